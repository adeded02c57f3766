package proxy

import "sync"

// copyBufferSize is the size of the buffers responses are copied through
// (an idle stream holds none: see Proxy.copyBody). A JSON-RPC answer up to
// it is read whole and sent in one write; larger bodies take a few reads.
const copyBufferSize = 8 << 10

// bufferPool lends relay its copy buffers, so a response does not
// allocate (and garbage-collect) one each.
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
