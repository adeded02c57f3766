// Package netguard keeps registered upstream URLs from turning the gateway
// into a server-side request forgery (SSRF) tool aimed at cloud metadata
// services, which hand out instance credentials to anything on the host that
// asks.
//
// Private networks and loopback are allowed on purpose: on-premises MCP
// servers live there. What is refused:
//
//   - the link-local / cloud-metadata class: 169.254.0.0/16 (AWS, GCP,
//     Azure, ECS credentials at 169.254.170.2, ...), fe80::/10,
//     fd00:ec2::254 (AWS IPv6), 100.100.100.200 (Alibaba), 192.0.0.192
//     (Oracle), 168.63.129.16 (Azure WireServer) and the metadata host
//     names (metadata.google.internal, metadata.goog, metadata,
//     instance-data, instance-data.ec2.internal). Options.AllowLinkLocal
//     lets this whole class through, host names included: an operator who
//     opts out has a link-local upstream and knows it.
//   - addresses that name no single host, whatever the options: unspecified
//     (0.0.0.0, ::, 0.0.0.0/8), multicast and 255.255.255.255.
//
// IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d,
// IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged
// by the IPv4 address they carry.
//
// Two layers apply. CheckURL validates a URL when it is registered, so the
// user gets a clear error at once. Options.Control runs inside net.Dialer
// on every connection and sees the address actually dialled, which covers
// what CheckURL cannot: DNS answers that change after registration (DNS
// rebinding), names that did not resolve at registration, and redirects.
// The dial guard sees only the address the socket connects to, so the
// transport that carries upstream traffic must not use an HTTP proxy
// (Transport.Proxy nil): through a proxy it would check the proxy's address
// and nothing behind it.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// MaxURLLength is the longest upstream URL CheckURL accepts, in bytes.
const MaxURLLength = 2048

// field is the input field named in CheckURL's validation errors.
const field = "upstream_url"

// resolveTimeout bounds CheckURL's DNS lookup when ctx has no deadline, so a
// registration request cannot hang on a slow resolver.
const resolveTimeout = 5 * time.Second

// ErrBlocked is wrapped by the errors of Options.Control, so callers can
// tell a refused destination from a network failure.
var ErrBlocked = errors.New("netguard: destination refused")

// Resolver looks host names up; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options control what CheckURL and the dial guard refuse.
type Options struct {
	AllowLinkLocal bool     // operator opt-out (setting UPSTREAM_ALLOW_LINK_LOCAL): allow the link-local / cloud-metadata class
	Resolver       Resolver // nil = net.DefaultResolver
}

// class says whether AllowLinkLocal can lift a refusal.
type class int

const (
	allowed   class = iota
	linkLocal       // link-local and cloud metadata: AllowLinkLocal allows
	noHost          // names no single host: always refused
)

// Blocked reports whether addr is in a refused range, and why, ignoring
// Options.AllowLinkLocal: it is pure classification. The reason completes
// the sentence "<addr> is ...".
func Blocked(addr netip.Addr) (reason string, blocked bool) {
	reason, c := classify(addr)
	return reason, c != allowed
}

// refuses applies o to the classification of addr.
func (o Options) refuses(addr netip.Addr) (reason string, c class) {
	reason, c = classify(addr)
	if c == linkLocal && o.AllowLinkLocal {
		return "", allowed
	}
	return reason, c
}

var (
	awsIMDSv6  = netip.MustParseAddr("fd00:ec2::254")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	ipv4Compat = netip.MustParsePrefix("::/96")
	thisNet    = netip.MustParsePrefix("0.0.0.0/8")
	broadcast  = netip.MustParseAddr("255.255.255.255")

	// metadataV4 are metadata and platform endpoints by address. Those in
	// 169.254.0.0/16 would be refused anyway; naming them gives a clearer
	// message.
	metadataV4 = map[netip.Addr]string{
		netip.MustParseAddr("169.254.169.254"): "a link-local (cloud metadata) address",
		netip.MustParseAddr("169.254.170.2"):   "a link-local (AWS ECS task credentials) address",
		netip.MustParseAddr("100.100.100.200"): "the Alibaba Cloud metadata address",
		netip.MustParseAddr("192.0.0.192"):     "the Oracle Cloud metadata address",
		// Azure's WireServer serves VM agent configuration, including
		// extension settings; it is a known SSRF target and never an MCP
		// server.
		netip.MustParseAddr("168.63.129.16"): "the Azure platform (WireServer) address",
	}
)

func classify(a netip.Addr) (string, class) {
	if !a.IsValid() {
		return "not a valid IP address", noHost
	}
	a = a.WithZone("")
	if a.Is4In6() {
		return embedded("an IPv4-mapped IPv6 form", a.Unmap())
	}
	if a.Is4() {
		return classify4(a)
	}
	switch {
	case a.IsLoopback():
		return "", allowed
	case a.IsUnspecified():
		return "the unspecified address", noHost
	case a.IsMulticast():
		return "a multicast address", noHost
	case a.IsLinkLocalUnicast():
		return "a link-local address", linkLocal
	case a == awsIMDSv6:
		return "the AWS instance metadata (IPv6) address", linkLocal
	}
	b := a.As16()
	switch {
	case ipv4Compat.Contains(a): // :: and ::1 were handled above
		return embedded("an IPv4-compatible IPv6 form", netip.AddrFrom4([4]byte(b[12:16])))
	case nat64.Contains(a):
		return embedded("a NAT64 form", netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return embedded("a 6to4 form", netip.AddrFrom4([4]byte(b[2:6])))
	}
	return "", allowed
}

func classify4(a netip.Addr) (string, class) {
	if r, ok := metadataV4[a]; ok {
		return r, linkLocal
	}
	switch {
	case a.IsUnspecified():
		return "the unspecified address", noHost
	case thisNet.Contains(a):
		return "in 0.0.0.0/8, which names no host", noHost
	case a == broadcast:
		return "the broadcast address", noHost
	case a.IsMulticast():
		return "a multicast address", noHost
	case a.IsLinkLocalUnicast():
		return "a link-local address (the range of cloud metadata services)", linkLocal
	}
	return "", allowed
}

// embedded classifies the IPv4 address v4 carried by an IPv6 form, because
// a translator or tunnel may deliver the packet to v4 itself.
func embedded(form string, v4 netip.Addr) (string, class) {
	r, c := classify4(v4)
	if c == allowed {
		return "", allowed
	}
	return form + " of " + v4.String() + ", which is " + r, c
}

// metadataHosts are names that reach a metadata service through the
// platform's DNS. They are refused without a lookup: the gateway's own
// resolver may not know them (a container's DNS), yet a later dial through
// another resolver might.
var metadataHosts = map[string]bool{
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"metadata":                   true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
}

// CheckURL validates an upstream URL and where it points, and returns it
// parsed, with scheme and host lower-cased; path and query are kept as
// given. The URL must be http or https, at most MaxURLLength bytes, with a
// host and without user info or fragment. IP literals must be canonical
// (dotted-decimal IPv4, bracketed IPv6 without zone id); the numeric forms
// the C resolver also accepts (2852039166, 0xa9fea9fe, 0251.0376.0251.0376,
// 169.254.43518) are refused, since other clients would read them as
// addresses this package cannot see through a name lookup. Path and query
// must be percent-encoded as RFC 3986 requires, so that what is stored is
// exactly what is sent.
//
// A host name is resolved (bounded by ctx, or 5 seconds when ctx has no
// deadline) and refused when any of its addresses is. When resolution fails
// or returns nothing the URL is accepted: the upstream may legitimately not
// exist yet, or be resolvable only from where the gateway runs later, and
// Options.Control checks the real address on every dial.
//
// Errors are domain.Invalid on field "upstream_url" and never contain the
// URL's user info.
func CheckURL(ctx context.Context, raw string, opt Options) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, domain.Invalid(field, "is longer than %d bytes", MaxURLLength)
	}
	if strings.Contains(raw, "#") {
		return nil, domain.Invalid(field, "must not contain a fragment (#...)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, parseError(raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, domain.Invalid(field, "must start with http:// or https://")
	}
	if u.User != nil {
		return nil, domain.Invalid(field, "must not contain a user name or password (user:password@); store upstream credentials as the server's egress credentials instead")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, domain.Invalid(field, "must include a host, as in http://host:port/path")
	}
	if err := checkPort(u); err != nil {
		return nil, err
	}
	host := strings.ToLower(u.Hostname())
	var addr netip.Addr
	if strings.HasPrefix(u.Host, "[") {
		// url.Parse admits only IPv6 literals between brackets.
		if addr, err = netip.ParseAddr(host); err != nil {
			return nil, domain.Invalid(field, "host %q is not a valid IPv6 address", host)
		}
		if addr.Zone() != "" {
			return nil, domain.Invalid(field, "host has an IPv6 zone id (%q); zone ids are not supported, use an address without one", addr.Zone())
		}
	} else {
		name, err := checkHostName(host)
		if err != nil {
			return nil, err
		}
		addr, _ = netip.ParseAddr(name) // stays invalid for a name
		if !addr.IsValid() && metadataHosts[name] && !opt.AllowLinkLocal {
			return nil, domain.Invalid(field, "host %s is a cloud metadata endpoint; such upstreams are refused unless UPSTREAM_ALLOW_LINK_LOCAL is set", name)
		}
	}
	if err := checkEncoding(raw); err != nil {
		return nil, err
	}
	u.Host = strings.ToLower(u.Host)

	if addr.IsValid() {
		if err := refuseAddr(opt, addr, ""); err != nil {
			return nil, err
		}
		if strings.HasSuffix(host, ".") {
			// "10.0.0.5." is no IP literal to a dialer but a name to look
			// up, which any DNS server could answer.
			return nil, domain.Invalid(field, "host %s has a trailing dot; write the IP address without it", host)
		}
		return u, nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, resolveTimeout)
		defer cancel()
	}
	r := opt.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		// Accepted on purpose; see the doc comment.
		return u, nil
	}
	for _, a := range addrs {
		if err := refuseAddr(opt, a, strings.TrimSuffix(host, ".")); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// checkEncoding refuses characters RFC 3986 does not allow unencoded (such
// as spaces and non-ASCII bytes) and malformed percent escapes. url.Parse
// tolerates some of them, but then re-encodes the path on String, which can
// turn an escaped "%2F" back into "/" and so change the path the upstream
// sees; the query it passes through untouched, into a request line the
// upstream may reject.
func checkEncoding(raw string) error {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return domain.Invalid(field, "contains a '%%' that is not followed by two hex digits; write a literal '%%' as %%25")
			}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0:
		default:
			return domain.Invalid(field, "contains a character that must be percent-encoded, such as a space or a non-ASCII letter")
		}
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// parseError reports a url.Parse failure without the URL: url.Error quotes
// it whole, user info included. The inner error names only the offending
// piece (a port, a character); it is left out when the URL has user info,
// where that piece could come from a password.
func parseError(raw string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && !strings.Contains(raw, "@") {
		return domain.Invalid(field, "is not a valid URL (%s)", strings.TrimPrefix(ue.Err.Error(), "net/url: "))
	}
	return domain.Invalid(field, "is not a valid URL")
}

func checkPort(u *url.URL) error {
	if strings.HasSuffix(u.Host, ":") {
		return domain.Invalid(field, "has an empty port after the host; remove the ':' or add a port")
	}
	p := u.Port()
	if p == "" {
		return nil
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return domain.Invalid(field, "port must be between 1 and 65535")
	}
	return nil
}

// checkHostName checks a lower-cased, unbracketed host and returns it
// without its trailing dot, for comparisons.
func checkHostName(host string) (string, error) {
	name := strings.TrimSuffix(host, ".")
	if len(name) > 253 {
		return "", domain.Invalid(field, "host name is longer than 253 characters")
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			// Non-ASCII names are mapped to ASCII differently by different
			// clients (IDNA profiles), so what this package checks might not
			// be what is dialled.
			return "", domain.Invalid(field, "host must be ASCII; write an internationalized name in its xn-- (punycode) form")
		}
	}
	labels := strings.Split(name, ".")
	numeric := true
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return "", domain.Invalid(field, "host %q is not a valid host name or IP address (letters, digits, '-', '_' and '.' only)", host)
		}
		numeric = numeric && isNumericLabel(l)
	}
	if numeric {
		// Every label is a number as inet_aton reads them, so a C resolver
		// would take the host for an IPv4 address; only the canonical
		// dotted-decimal form is accepted, so the address checked here is
		// the address every client sees.
		if a, err := netip.ParseAddr(name); err != nil || !a.Is4() {
			return "", domain.Invalid(field, "host %s is a non-standard numeric form of an IPv4 address; write the address as four decimal numbers without leading zeros, such as 10.0.0.5", host)
		}
	}
	return name, nil
}

// isNumericLabel reports whether l is a number in inet_aton's syntax:
// decimal, octal (leading 0) or hexadecimal (0x).
func isNumericLabel(l string) bool {
	if rest, ok := strings.CutPrefix(l, "0x"); ok {
		return strings.Trim(rest, "0123456789abcdef") == ""
	}
	return strings.Trim(l, "0123456789") == ""
}

// refuseAddr returns the validation error for addr when o refuses it; host
// is the name addr was resolved from, or empty for a literal.
func refuseAddr(o Options, addr netip.Addr, host string) error {
	reason, c := o.refuses(addr)
	if c == allowed {
		return nil
	}
	suffix := "such upstreams are refused"
	if c == linkLocal {
		suffix += " unless UPSTREAM_ALLOW_LINK_LOCAL is set"
	}
	if host == "" {
		return domain.Invalid(field, "%s is %s; %s", addr, reason, suffix)
	}
	return domain.Invalid(field, "host %s resolves to %s, which is %s; %s", host, addr, reason, suffix)
}

// Control is for net.Dialer.Control: it refuses a blocked destination after
// DNS resolution and before the connection attempt, so a name that resolved
// harmlessly at registration cannot later be pointed at a metadata service
// (DNS rebinding). The error wraps ErrBlocked and names the address. An
// address it cannot parse is refused, so the guard fails closed.
//
//	d := &net.Dialer{Control: opt.Control}
func (o Options) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check %s address %q", ErrBlocked, network, address)
	}
	if reason, c := o.refuses(ap.Addr()); c != allowed {
		return fmt.Errorf("%w: %s is %s", ErrBlocked, ap.Addr(), reason)
	}
	return nil
}
