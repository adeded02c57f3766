// Package frontend embeds the built dashboard (frontend/dist) into the mcpgw
// binary. Build it first (make build); an unbuilt tree embeds only
// dist/.gitkeep and the gateway serves a page saying so.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built dashboard files, rooted at dist/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid literal path; cannot happen
	}
	return sub
}
