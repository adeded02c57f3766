package httpapi

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// spa serves the built dashboard: files as they are, and index.html for
// every other path so the client-side router can handle it.
type spa struct {
	files fs.FS
	index []byte // nil when the dashboard was not built
}

// notBuilt is served when the binary was built without the dashboard.
const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MCP Gateway Registry</title></head>
<body><h1>MCP Gateway Registry</h1><p>The dashboard was not built into this binary. Run <code>make build</code> (or <code>make run</code>) and start it again. The API is available under <code>/api/</code>.</p></body></html>`

func newSPA(files fs.FS) *spa {
	s := &spa{files: files}
	if files != nil {
		if b, err := fs.ReadFile(files, "index.html"); err == nil {
			s.index = b
		}
	}
	return s
}

func (s *spa) serve(c *gin.Context) {
	if s.index == nil {
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(notBuilt))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+c.Request.URL.Path), "/")
	if name != "" && name != "index.html" {
		if f, err := s.files.Open(name); err == nil {
			st, err := f.Stat()
			_ = f.Close()
			if err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					// Vite puts a content hash in every asset's name.
					c.Header("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					c.Header("Cache-Control", "no-cache")
				}
				http.ServeFileFS(c.Writer, c.Request, s.files, name)
				return
			}
		}
		// A missing file (it has an extension) is a 404, not the app: a
		// browser asking for a script must not get HTML.
		if path.Ext(name) != "" {
			c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte("404 not found\n"))
			return
		}
	}
	c.Header("Cache-Control", "no-cache")
	http.ServeContent(c.Writer, c.Request, "index.html", time.Time{}, bytes.NewReader(s.index))
}
