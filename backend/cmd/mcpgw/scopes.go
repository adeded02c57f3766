package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/audit"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
	"github.com/mcpgw/mcpgw/backend/internal/scopesyml"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
)

// cliActor is who command-line changes are made as: whoever can run them
// holds the database credentials, so they act as a registry admin.
var cliActor = domain.Principal{Username: "system", AuthMethod: "cli", Groups: []string{domain.AdminGroup}}

// registryEnv is the registry service on a migrated database.
func registryEnv(ctx context.Context) (*registry.Service, func(), error) {
	cfg, log, err := loadConfig()
	if err != nil {
		return nil, nil, err
	}
	db, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	holder, err := registry.NewHolder(ctx, db, cfg.GroupConventions, log)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	// The same key as serve; scope commands seal nothing, so without any
	// key configured an ephemeral one will do.
	var box *secretbox.Box
	if cfg.EncryptionKey == nil && cfg.SecretKey == "" {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		box, err = secretbox.New(key)
	} else {
		box, err = app.SecretBox(cfg)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	aud := audit.NewWriter(db, log, nil, audit.Options{}) // Close flushes it
	svc := registry.New(registry.Options{DB: db, Holder: holder, Box: box, Audit: aud, Log: log})
	return svc, func() { aud.Close(); db.Close() }, nil
}

func scopesCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"scopes needs import or export"}
	}
	cmd := args[0]
	fs := flag.NewFlagSet("scopes "+cmd, flag.ContinueOnError)
	replace := fs.Bool("replace", false, "remove every defined scope and mapping before importing")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"scopes " + cmd + " needs one FILE (- for standard input or output)"}
	}
	file := fs.Arg(0)
	switch cmd {
	case "import":
		var (
			data []byte
			err  error
		)
		if file == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, 16<<20))
		} else {
			data, err = os.ReadFile(file)
		}
		if err != nil {
			return err
		}
		f, err := scopesyml.Parse(data)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		svc, closeEnv, err := registryEnv(ctx)
		if err != nil {
			return err
		}
		defer closeEnv()
		res, err := svc.Import(ctx, &cliActor, f, *replace)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %d scopes and %d group mappings from %s (replace=%t)\n", res.Scopes, res.Mappings, file, res.Replaced)
		return nil
	case "export":
		svc, closeEnv, err := registryEnv(ctx)
		if err != nil {
			return err
		}
		defer closeEnv()
		f, err := svc.Export(ctx, &cliActor)
		if err != nil {
			return err
		}
		data, err := scopesyml.Marshal(f)
		if err != nil {
			return err
		}
		if file == "-" {
			_, err = stdout.Write(data)
			return err
		}
		return os.WriteFile(file, data, 0o644)
	default:
		return usageError{fmt.Sprintf("unknown scopes command %q", cmd)}
	}
}
