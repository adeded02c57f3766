package domain

// IsReservedPath reports whether segment is a top-level URL segment the
// gateway serves itself. No MCP server may be registered under one, since its
// proxy path /{path}/... would be shadowed; the list includes the dashboard's
// own routes.
func IsReservedPath(segment string) bool {
	switch segment {
	case "api", "oauth2", "assets", ".well-known", "healthz", "readyz", "metrics",
		"login", "logout", "servers", "access", "users", "tokens", "audit", "settings",
		"favicon.ico", "favicon.svg", "robots.txt", "index.html":
		return true
	}
	return false
}
