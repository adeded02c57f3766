// Package migrations holds the numbered schema migrations, embedded so the
// mcpgw binary can apply them without files on disk.
package migrations

import "embed"

// FS holds every *.up.sql and *.down.sql file of this directory.
//
//go:embed *.sql
var FS embed.FS
