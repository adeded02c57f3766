// Command mcpgw is MCP Gateway Registry: the gateway, its API and dashboard
// (serve), and the commands that operate it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/audit"
	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
	"github.com/mcpgw/mcpgw/frontend"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `mcpgw — MCP Gateway Registry

Usage:
  mcpgw serve [-no-migrate]          run the gateway, API and dashboard
  mcpgw migrate up                   apply pending database migrations
  mcpgw migrate down [-all | N]      revert the last N migrations (default 1)
  mcpgw migrate version              print the schema version
  mcpgw migrate force N              mark version N applied after a manual repair
  mcpgw admin create-user -username NAME [-admin] [-groups a,b] [-display-name X] [-email X] [-password-stdin]
  mcpgw admin set-password -username NAME [-password-stdin]
  mcpgw admin disable-user -username NAME
  mcpgw admin enable-user -username NAME
  mcpgw admin list-users
  mcpgw admin reseal-secrets [-dry-run]  re-seal stored secrets under ENCRYPTION_KEY (after a key rotation)
  mcpgw admin rotate-signing-key      sign tokens with a new key; the previous one stays accepted until its tokens expire
  mcpgw admin list-signing-keys       the token signing keys and their status
  mcpgw scopes import [-replace] FILE  import a scopes.yml (UI-Scopes, group_mappings, server scopes); - reads stdin
  mcpgw scopes export FILE           write every scope and mapping as scopes.yml; - writes stdout
  mcpgw config example               print .env.example (every setting, documented)
  mcpgw config reference             print docs/configuration.md (every setting, as Markdown tables)
  mcpgw config check                 validate the environment's settings and SEED_SERVERS_FILE
  mcpgw healthcheck [-url URL]       exit 0 when the local gateway answers /healthz
  mcpgw version                      print the version

Settings come from environment variables; see .env.example.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default: a second one kills
		// at once instead of waiting for the graceful shutdown.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "mcpgw: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "mcpgw: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"a command is required"}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		// The one-time admin password goes to stdout; logs go to stderr.
		return serve(ctx, rest, stdout)
	case "migrate":
		return migrate(ctx, rest, stdout)
	case "admin":
		return admin(ctx, rest, stdin, stdout)
	case "scopes":
		return scopesCmd(ctx, rest, stdin, stdout)
	case "config":
		return configCmd(rest, stdout)
	case "healthcheck":
		return healthcheck(ctx, rest)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "mcpgw", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

func loadConfig() (*config.Config, *slog.Logger, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, opts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	return cfg, slog.New(h).With("service", "mcpgw"), nil
}

func serve(ctx context.Context, args []string, console io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start (overrides MIGRATE_ON_START)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	cfg, log, err := loadConfig()
	if err != nil {
		return err
	}
	if *noMigrate {
		cfg.MigrateOnStart = false
	}
	log.Info("starting mcpgw", "version", version, "config", cfg)
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a, err := app.New(startCtx, cfg, app.Options{Log: log, Console: console, Frontend: frontend.Dist()})
	if err != nil {
		return err
	}
	defer a.Close()
	logPendingReseal(startCtx, log, a.DB, cfg)
	if err := a.Run(ctx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"migrate needs up, down, version or force"}
	}
	// Parse everything before connecting: a typo should not cost a round trip.
	var apply func(m *postgres.Migrator) error
	switch args[0] {
	case "up":
		apply = func(m *postgres.Migrator) error {
			err := m.Up()
			var newer *postgres.SchemaNewerError
			if errors.As(err, &newer) {
				// Nothing to do, and no failure: an init container of an
				// older replica must let it start during a rolling upgrade.
				fmt.Fprintf(stdout, "nothing to migrate: the schema (version %d) is newer than this mcpgw knows (%d)\n", newer.Have, newer.Know)
				return nil
			}
			return err
		}
	case "down":
		fs := flag.NewFlagSet("migrate down", flag.ContinueOnError)
		all := fs.Bool("all", false, "revert every migration (drops all data)")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err.Error()}
		}
		steps := 1
		if fs.NArg() > 0 {
			n, err := strconv.Atoi(fs.Arg(0))
			if err != nil || n < 1 {
				return usageError{"migrate down N: N must be a positive number"}
			}
			steps = n
		}
		if *all {
			steps = 0
		}
		apply = func(m *postgres.Migrator) error { return m.Down(steps) }
	case "force":
		if len(args) != 2 {
			return usageError{"migrate force needs a version"}
		}
		v, err := strconv.Atoi(args[1])
		if err != nil {
			return usageError{"migrate force N: N must be a number"}
		}
		apply = func(m *postgres.Migrator) error { return m.Force(v) }
	case "version":
		apply = func(*postgres.Migrator) error { return nil }
	default:
		return usageError{fmt.Sprintf("unknown migrate command %q", args[0])}
	}

	cfg, log, err := loadConfig()
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := postgres.NewMigrator(db, log)
	if err != nil {
		return err
	}
	defer func() { _ = m.Close() }()
	if err := apply(m); err != nil {
		return err
	}
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	state := ""
	if dirty {
		state = " (dirty)"
	}
	fmt.Fprintf(stdout, "schema version %d%s\n", v, state)
	return nil
}

// openMigrated opens a small pool for a command and brings the schema up
// to date.
func openMigrated(ctx context.Context, cfg *config.Config, log *slog.Logger) (*postgres.DB, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		return nil, err
	}
	m, err := postgres.NewMigrator(db, log)
	if err == nil {
		err = m.Up()
		_ = m.Close()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// cliEnv is what the admin commands share: the settings (with SECRET_KEY),
// a migrated database, Redis, and an audit writer.
type cliEnv struct {
	cfg   *config.Config
	log   *slog.Logger
	db    *postgres.DB
	rdb   *redis.Client
	audit *audit.Writer
}

func openCLIEnv(ctx context.Context) (*cliEnv, error) {
	cfg, log, err := loadConfig()
	if err != nil {
		return nil, err
	}
	if err := cfg.RequireSecretKey(); err != nil {
		return nil, err
	}
	db, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	rdb, err := redisstore.Open(ctx, cfg.RedisURL)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &cliEnv{cfg: cfg, log: log, db: db, rdb: rdb, audit: audit.NewWriter(db, log, nil, audit.Options{})}, nil
}

// Close flushes the audit trail and closes the connections.
func (e *cliEnv) Close() {
	e.audit.Close()
	_ = e.rdb.Close()
	e.db.Close()
}

// adminEnv is what the user commands need: the user service, with Redis
// so that ending sessions works.
func adminEnv(ctx context.Context) (*auth.UserService, func(), error) {
	env, err := openCLIEnv(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg := env.cfg
	hasher, err := auth.NewHasher(auth.HashParams{
		MemoryKiB: cfg.PasswordHashMemoryKiB, Iterations: cfg.PasswordHashIterations, Parallelism: cfg.PasswordHashParallelism,
	}, 1)
	if err != nil {
		env.Close()
		return nil, nil, err
	}
	users := auth.NewUserService(env.db, redisstore.NewSessions(env.rdb, cfg.RedisKeyPrefix, []byte(cfg.SecretKey)), hasher, env.audit, env.log)
	return users, env.Close, nil
}

func admin(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"admin needs create-user, set-password, disable-user, enable-user, list-users, reseal-secrets, rotate-signing-key or list-signing-keys"}
	}
	cmd := args[0]
	switch cmd {
	case "reseal-secrets":
		return resealSecrets(ctx, args[1:], stdout)
	case "rotate-signing-key", "list-signing-keys":
		return signingKeys(ctx, cmd, args[1:], stdout)
	}
	fs := flag.NewFlagSet("admin "+cmd, flag.ContinueOnError)
	username := fs.String("username", "", "the user's name")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (otherwise one is generated and printed)")
	isAdmin := fs.Bool("admin", false, "make the user an administrator (member of mcp-admin)")
	groups := fs.String("groups", "", "comma-separated groups to put the user in")
	displayName := fs.String("display-name", "", "the user's display name")
	email := fs.String("email", "", "the user's email address")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if cmd != "list-users" && *username == "" {
		return usageError{"admin " + cmd + " needs -username"}
	}
	switch cmd {
	case "create-user", "set-password", "disable-user", "enable-user", "list-users":
	default:
		return usageError{fmt.Sprintf("unknown admin command %q", cmd)}
	}

	users, closeEnv, err := adminEnv(ctx)
	if err != nil {
		return err
	}
	defer closeEnv()

	readPassword := func() (pw string, generated bool, err error) {
		if !*passwordStdin {
			return auth.GeneratePassword(), true, nil
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, err
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}

	switch cmd {
	case "create-user":
		pw, generated, err := readPassword()
		if err != nil {
			return err
		}
		var gs []string
		for _, g := range strings.Split(*groups, ",") {
			if g = strings.TrimSpace(g); g != "" {
				gs = append(gs, g)
			}
		}
		if *isAdmin {
			gs = append(gs, "mcp-admin")
		}
		u, err := users.CreateUser(ctx, &auth.SystemActor, auth.NewUser{
			Username: *username, Password: pw, DisplayName: *displayName, Email: *email, Groups: gs,
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %s (id %d, groups: %s)\n", u.Username, u.ID, strings.Join(u.Groups, ","))
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	case "set-password":
		pw, generated, err := readPassword()
		if err != nil {
			return err
		}
		u, err := users.GetUserByUsername(ctx, *username)
		if err != nil {
			return err
		}
		if _, err := users.UpdateUser(ctx, &auth.SystemActor, u.ID, auth.UserPatch{Password: &pw}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; their sessions have ended\n", u.Username)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	case "disable-user", "enable-user":
		disabled := cmd == "disable-user"
		u, err := users.GetUserByUsername(ctx, *username)
		if err != nil {
			return err
		}
		if _, err := users.UpdateUser(ctx, &auth.SystemActor, u.ID, auth.UserPatch{Disabled: &disabled}); err != nil {
			return err
		}
		if disabled {
			fmt.Fprintf(stdout, "disabled %s; their sessions have ended\n", u.Username)
		} else {
			fmt.Fprintf(stdout, "enabled %s\n", u.Username)
		}
	case "list-users":
		list, err := users.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tSOURCE\tSTATUS\tGROUPS\tLAST SIGN-IN")
		for _, u := range list {
			status, last := "active", "never"
			if u.Disabled {
				status = "disabled"
			}
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.AuthSource, status, strings.Join(u.Groups, ","), last)
		}
		return tw.Flush()
	}
	return nil
}

func configCmd(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{"config needs example, reference or check"}
	}
	switch args[0] {
	case "example":
		fmt.Fprint(stdout, config.EnvExample())
		return nil
	case "reference":
		fmt.Fprint(stdout, config.Reference())
		return nil
	case "check":
		cfg, _, err := loadConfig()
		if err != nil {
			return err
		}
		if cfg.SeedServersFile != "" {
			// The same checks as serve's, so that a bad seed file is found
			// before a rollout rather than by a replica refusing to start.
			seeds, err := registry.LoadSeedFile(context.Background(), cfg.SeedServersFile, registry.SeedOptions{
				Guard: netguard.Options{AllowLinkLocal: cfg.UpstreamAllowLinkLocal},
			})
			if err != nil {
				return fmt.Errorf("SEED_SERVERS_FILE %s: %w", cfg.SeedServersFile, err)
			}
			for _, sd := range seeds {
				if sd.Missing != nil {
					fmt.Fprintf(stdout, "warning: %v (needed unless this entry was applied at an earlier start)\n", sd.Missing)
				}
			}
			fmt.Fprintf(stdout, "seed file %s: %d servers\n", cfg.SeedServersFile, len(seeds))
		}
		fmt.Fprintln(stdout, "configuration is valid")
		return nil
	}
	return usageError{fmt.Sprintf("unknown config command %q", args[0])}
}

// healthcheck is for container HEALTHCHECKs: distroless images have no curl.
func healthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:7860/healthz", "the URL to check")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	return nil
}
