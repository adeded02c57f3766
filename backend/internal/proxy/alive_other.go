//go:build !unix

package proxy

// alive cannot look at the socket here: a connection the upstream closed
// is found out by the next request, which then fails.
func (c *upConn) alive() bool { return c.br.Buffered() == 0 }
