package proxy

import "sync"

// copyBufferSize is the size of the buffers responses are copied through.
// Small enough that an idle event stream, which holds one for as long as
// it is open, costs little (10,000 of them: 80 MB at 8 KiB, 320 MB at
// httputil's default 32 KiB); big enough that a JSON-RPC answer takes one
// read, and larger bodies a few more.
const copyBufferSize = 8 << 10

// bufferPool lends httputil.ReverseProxy its copy buffers, so a response
// does not allocate (and garbage-collect) one each.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, copyBufferSize)
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) == copyBufferSize {
		buf = buf[:copyBufferSize]
		b.p.Put(&buf)
	}
}
