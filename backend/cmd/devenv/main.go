// Command devenv probes the PostgreSQL and Redis that `make run` and
// `make test` would use; scripts/devenv.sh starts local ones when a probe
// fails. It is a development tool, not part of the product.
//
//	devenv postgres URL   exit 0 when the server answers; creates the database if missing
//	devenv redis URL      exit 0 when Redis answers PING
package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: devenv postgres|redis URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	switch os.Args[1] {
	case "postgres":
		err = probePostgres(ctx, os.Args[2])
	case "redis":
		err = probeRedis(ctx, os.Args[2])
	default:
		err = fmt.Errorf("unknown service %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devenv:", err)
		os.Exit(1)
	}
}

func probePostgres(ctx context.Context, raw string) error {
	conn, err := pgx.Connect(ctx, raw)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // invalid_catalog_name: no such database
		return createDatabase(ctx, raw)
	}
	if err != nil {
		return fmt.Errorf("postgres unreachable: %w", err)
	}
	return conn.Close(ctx)
}

func createDatabase(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	name := u.Path[1:]
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return fmt.Errorf("postgres unreachable: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	fmt.Fprintf(os.Stderr, "devenv: created database %s\n", name)
	return nil
}

func probeRedis(ctx context.Context, raw string) error {
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return fmt.Errorf("bad Redis URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer func() { _ = rdb.Close() }()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis unreachable: %w", err)
	}
	return nil
}
