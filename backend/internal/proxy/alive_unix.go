//go:build unix

package proxy

import "syscall"

// alive reports whether an idle kept-alive connection can carry another
// request: nothing is waiting on it (an idle upstream sends nothing; a
// close, a reset or a TLS alert is all it could have sent). One
// non-blocking read of the socket tells.
func (c *upConn) alive() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	if c.tcp == nil {
		return true // not a TCP connection: nothing to look at
	}
	raw, err := c.tcp.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	var buf [1]byte
	if err := raw.Read(func(fd uintptr) bool {
		_, rerr := syscall.Read(int(fd), buf[:])
		ok = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true
	}); err != nil {
		return false
	}
	return ok
}
