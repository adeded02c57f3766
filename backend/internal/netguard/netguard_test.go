package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// fakeResolver answers from a table and records what it was asked, so tests
// can check that literals and metadata names are never looked up.
type fakeResolver struct {
	addrs map[string][]netip.Addr
	asked []string
}

var errNoSuchHost = errors.New("no such host")

func (r *fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.asked = append(r.asked, host)
	if network != "ip" {
		return nil, errors.New("unexpected network " + network)
	}
	a, ok := r.addrs[host]
	if !ok {
		return nil, errNoSuchHost
	}
	return a, nil
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func newResolver() *fakeResolver {
	return &fakeResolver{addrs: map[string][]netip.Addr{
		"example.com":              addrs("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
		"mcp.internal":             addrs("10.0.0.5"),
		"localhost":                addrs("127.0.0.1", "::1"),
		"mcp_server":               addrs("172.18.0.4"),
		"empty.example":            nil,
		"evil.example":             addrs("169.254.169.254"),
		"mixed.example":            addrs("93.184.215.14", "169.254.169.254"),
		"mapped.example":           addrs("::ffff:169.254.169.254"),
		"sinkhole.example":         addrs("0.0.0.0"),
		"ll6.example":              addrs("fe80::1"),
		"169.254.169.254.nip.io":   addrs("169.254.169.254"),
		"metadata.google.internal": addrs("169.254.169.254"),
	}}
}

// checkInvalid fails unless err is a validation error on upstream_url whose
// message contains want.
func checkInvalid(t *testing.T, raw string, err error, want string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Errorf("CheckURL(%.80q) = %v; want a *domain.Error", raw, err)
		return
	}
	if de.Code != domain.EINVALID || de.Field != "upstream_url" || !strings.HasPrefix(de.Message, "upstream_url: ") {
		t.Errorf("CheckURL(%.80q): code %q field %q message %q", raw, de.Code, de.Field, de.Message)
	}
	if !strings.Contains(de.Message, want) {
		t.Errorf("CheckURL(%.80q) message %q; want it to contain %q", raw, de.Message, want)
	}
}

func TestCheckURLRefusesBlockedDestinations(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		// The brief's example message, word for word.
		{"http://169.254.169.254/latest/meta-data/", "upstream_url: 169.254.169.254 is a link-local (cloud metadata) address; such upstreams are refused"},
		{"http://169.254.169.254:80/", "cloud metadata"},
		{"http://169.254.169.254./", "cloud metadata"},
		{"http://169.254.170.2/v2/credentials", "AWS ECS"},
		{"http://169.254.1.1:8000/mcp", "link-local"},
		{"http://[fe80::1]:8000/", "fe80::1 is a link-local address"},
		{"http://[FE80::ABCD]/", "link-local"},
		{"http://[fd00:ec2::254]/", "AWS instance metadata (IPv6)"},
		{"http://100.100.100.200/latest/meta-data", "Alibaba"},
		{"http://192.0.0.192/", "Oracle"},
		{"http://168.63.129.16/machine?comp=goalstate", "Azure"},
		{"http://0.0.0.0:8000/", "unspecified"},
		{"http://0.1.2.3/", "0.0.0.0/8"},
		{"http://[::]:8000/", "unspecified"},
		{"http://224.0.0.1/", "multicast"},
		{"http://239.255.255.250/", "multicast"},
		{"http://[ff02::1]/", "multicast"},
		{"http://255.255.255.255/", "broadcast"},
		// IPv6 forms embedding a blocked IPv4 address.
		{"http://[::ffff:169.254.169.254]/", "IPv4-mapped IPv6 form of 169.254.169.254, which is a link-local (cloud metadata) address"},
		{"http://[::ffff:a9fe:a9fe]/", "IPv4-mapped"},
		{"http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "IPv4-mapped"},
		{"http://[::ffff:0.0.0.0]/", "unspecified"},
		{"http://[::169.254.169.254]/", "IPv4-compatible IPv6 form of 169.254.169.254"},
		{"http://[64:ff9b::169.254.169.254]/", "NAT64 form of 169.254.169.254"},
		{"http://[64:ff9b::a9fe:a9fe]/", "NAT64"},
		{"http://[64:ff9b::100.100.100.200]/", "Alibaba"},
		{"http://[2002:a9fe:a9fe::]/", "6to4 form of 169.254.169.254"},
		{"http://[2002:a9fe:a9fe:1:2:3:4:5]/", "6to4"},
		{"http://[2002:e000:0001::1]/", "multicast"},
		// Metadata host names, refused without a lookup.
		{"http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a cloud metadata endpoint"},
		{"http://METADATA.Google.Internal./", "metadata.google.internal is a cloud metadata endpoint"},
		{"http://metadata/computeMetadata/v1/", "cloud metadata endpoint"},
		{"http://metadata.goog/", "cloud metadata endpoint"},
		{"http://instance-data/latest/", "cloud metadata endpoint"},
		{"http://Instance-Data.EC2.Internal:80/", "cloud metadata endpoint"},
		// Names resolving to a blocked address.
		{"http://evil.example/mcp", "host evil.example resolves to 169.254.169.254, which is a link-local (cloud metadata) address"},
		{"http://mixed.example/", "resolves to 169.254.169.254"},
		{"http://mapped.example/", "IPv4-mapped"},
		{"http://sinkhole.example/", "resolves to 0.0.0.0, which is the unspecified address"},
		{"http://ll6.example/", "resolves to fe80::1"},
		{"http://169.254.169.254.nip.io/", "resolves to 169.254.169.254"},
		// Non-canonical numeric IPv4 forms, all of them 169.254.169.254 to
		// inet_aton, and other numeric hosts that are not dotted-decimal.
		{"http://2852039166/", "non-standard numeric form"},
		{"http://0251.0376.0251.0376/", "non-standard numeric form"},
		{"http://0xa9fea9fe/", "non-standard numeric form"},
		{"http://0XA9FEA9FE/", "non-standard numeric form"},
		{"http://0xa9.0xfe.0xa9.0xfe/", "non-standard numeric form"},
		{"http://169.254.43518/", "non-standard numeric form"},
		{"http://169.16689662/", "non-standard numeric form"},
		{"http://0251.254.169.254/", "non-standard numeric form"},
		{"http://127.1/", "non-standard numeric form"},
		{"http://010.0.0.1/", "non-standard numeric form"},
		{"http://1.2.3.4.5/", "non-standard numeric form"},
		{"http://0x/", "non-standard numeric form"},
		{"http://2852039166./", "non-standard numeric form"},
		// Zone ids.
		{"http://[fe80::1%25eth0]:8000/", `IPv6 zone id ("eth0"); zone ids are not supported`},
		{"http://[::1%25lo]/", "zone ids"},
	} {
		r := newResolver()
		u, err := CheckURL(context.Background(), tc.raw, Options{Resolver: r})
		if err == nil {
			t.Errorf("CheckURL(%q) = %v; want refused", tc.raw, u)
			continue
		}
		checkInvalid(t, tc.raw, err, tc.want)
		for _, h := range r.asked {
			if metadataHosts[strings.TrimSuffix(h, ".")] {
				t.Errorf("CheckURL(%q) looked up metadata name %q", tc.raw, h)
			}
		}
	}
}

func TestCheckURLRefusesMalformed(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"ftp://example.com/", "must start with http:// or https://"},
		{"file:///etc/passwd", "http:// or https://"},
		{"gopher://127.0.0.1:6379/_INFO", "http:// or https://"},
		{"javascript:alert(1)", "http:// or https://"},
		{"ws://example.com/mcp", "http:// or https://"},
		{"example.com/mcp", "http:// or https://"},
		{"//example.com/mcp", "http:// or https://"},
		{"", "http:// or https://"},
		{"http://", "must include a host"},
		{"http:///mcp", "must include a host"},
		{"http:example.com", "must include a host"},
		{"http://:8000/", "must include a host"},
		{"http://user@example.com/", "must not contain a user name or password"},
		{"http://user:@example.com/", "must not contain a user name or password"},
		{"http://example.com/mcp#frag", "fragment"},
		{"http://example.com/#", "fragment"},
		{"http://example.com/" + strings.Repeat("a", MaxURLLength), "longer than 2048 bytes"},
		{"http://example.com:/", "empty port"},
		{"http://example.com:0/", "port must be between 1 and 65535"},
		{"http://example.com:65536/", "port must be between 1 and 65535"},
		{"http://example.com:99999999999999999999/", "port must be between"},
		{"http://exa mple.com/", "is not a valid URL"},
		{"http://[::1/", "is not a valid URL"},
		{"http://[1.2.3.4]/", "is not a valid URL"},
		{" http://example.com/", "is not a valid URL"},
		{"http://example.com/\n", "is not a valid URL"},
		{"http://\u043cetadata/", "must be ASCII"}, // Cyrillic em
		{"http://\uff4detadata.google.internal/", "must be ASCII"},
		{"http://example.com/a%2Fb/c d", "must be percent-encoded"},
		{"http://example.com/caf\u00e9", "must be percent-encoded"},
		{"http://example.com/?q=a b", "must be percent-encoded"},
		{"http://example.com/?q=a|b", "must be percent-encoded"},
		{"http://example.com/?q={x}", "must be percent-encoded"},
		{"http://example.com/a\\b", "must be percent-encoded"},
		{"http://example.com/?q=%zz", "two hex digits"},
		{"http://example.com/?q=%", "two hex digits"},
		{"http://example.com/?q=%4", "two hex digits"},
		{"http://10.0.0.5./", "trailing dot"},
		{"http://a..b/", "not a valid host name"},
		{"http://.example.com/", "not a valid host name"},
		{"http://a!b.example/", "not a valid host name"},
		{"http://a*b/", "not a valid host name"},
		{"http://" + strings.Repeat("a", 64) + ".example/", "not a valid host name"},
		{"http://" + strings.Repeat("a.", 127) + "aa/", "longer than 253"},
	} {
		u, err := CheckURL(context.Background(), tc.raw, Options{Resolver: newResolver()})
		if err == nil {
			t.Errorf("CheckURL(%.80q) = %v; want refused", tc.raw, u)
			continue
		}
		checkInvalid(t, tc.raw, err, tc.want)
	}
}

// TestCheckURLNeverEchoesPasswords tries URLs whose user info holds a
// password, including ones that also fail to parse elsewhere.
func TestCheckURLNeverEchoesPasswords(t *testing.T) {
	const pw = "Hunter2Secret"
	for _, raw := range []string{
		"http://admin:" + pw + "@example.com/",
		"https://admin:" + pw + "@169.254.169.254/",
		"http://admin:" + pw + "%zz@example.com/",
		"http://admin:" + pw + "@example.com:port/",
		"http://admin:" + pw + "@[::1/",
		"http://admin:" + pw + "@exa mple.com/",
		"http://admin:" + pw + "@example.com/#frag",
		"http://admin:" + pw + "@example.com/" + strings.Repeat("x", MaxURLLength),
		"http://" + pw + "@example.com/",
	} {
		_, err := CheckURL(context.Background(), raw, Options{Resolver: newResolver()})
		if err == nil {
			t.Errorf("CheckURL(%.60q) accepted user info", raw)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error %q echoes the password", err)
		}
	}
}

func TestCheckURLAllows(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"http://10.0.0.5:8000/mcp", ""},
		{"http://192.168.1.10/mcp", ""},
		{"http://172.16.0.1:9000/sse", ""},
		{"http://100.64.0.1/", ""}, // carrier-grade NAT, next to but not the Alibaba address
		{"http://127.0.0.1:8080/", ""},
		{"http://[::1]:8000/mcp", ""},
		{"http://[fd12::1]/", ""},
		{"http://[::ffff:10.0.0.5]/", ""},
		{"http://[::ffff:127.0.0.1]/", ""},
		{"http://[64:ff9b::8.8.8.8]/", ""},
		{"http://[2002:0a00:0005::1]/", ""},
		{"http://[2606:4700:4700::1111]/", ""},
		{"https://example.com/mcp", ""},
		{"http://localhost:8000/mcp", ""},
		{"http://mcp.internal:8000/mcp?x=1", ""},
		{"http://mcp_server:8000/mcp", ""},
		{"http://10.0.0.5.example/", "http://10.0.0.5.example/"}, // not all-numeric: a name; does not resolve, accepted
		{"http://metadata.example.com/", ""},                     // only the exact metadata names are special
		{"http://169.254.169.254.example/", ""},
		// Case: scheme and host lower-cased, path and query kept.
		{"HTTPS://Example.COM:8443/Path/MCP?Token=AbC&x=%2F", "https://example.com:8443/Path/MCP?Token=AbC&x=%2F"},
		{"http://[FD12::ABCD]:8000/Mcp", "http://[fd12::abcd]:8000/Mcp"},
		{"http://EXAMPLE.com./mcp", "http://example.com./mcp"},
		{"http://example.com/a%2Fb/c%20d", "http://example.com/a%2Fb/c%20d"},
		{"http://example.com/v1/mcp;x=1?a=%7B%7D&b=[1]&c=~", "http://example.com/v1/mcp;x=1?a=%7B%7D&b=[1]&c=~"},
		// Resolution failures and empty answers are accepted: the dial
		// guard checks the real address later.
		{"http://does-not-resolve.example/", ""},
		{"http://empty.example/", ""},
	} {
		u, err := CheckURL(context.Background(), tc.raw, Options{Resolver: newResolver()})
		if err != nil {
			t.Errorf("CheckURL(%q): %v", tc.raw, err)
			continue
		}
		if tc.want != "" && u.String() != tc.want {
			t.Errorf("CheckURL(%q) = %q; want %q", tc.raw, u, tc.want)
		}
		if u.Scheme != strings.ToLower(u.Scheme) || u.Host != strings.ToLower(u.Host) {
			t.Errorf("CheckURL(%q) = %q; scheme and host not lower-cased", tc.raw, u)
		}
	}
}

func TestCheckURLLiteralsAreNotResolved(t *testing.T) {
	r := newResolver()
	for _, raw := range []string{"http://10.0.0.5/", "http://[::1]/", "http://169.254.169.254/", "http://0xa9fea9fe/"} {
		_, _ = CheckURL(context.Background(), raw, Options{Resolver: r})
	}
	if len(r.asked) != 0 {
		t.Fatalf("looked up %q", r.asked)
	}
}

func TestCheckURLAllowLinkLocal(t *testing.T) {
	opt := Options{AllowLinkLocal: true, Resolver: newResolver()}
	// The whole link-local / cloud-metadata class is allowed, host names
	// included: the operator opted out for a reason this package cannot see.
	for _, raw := range []string{
		"http://169.254.169.254/",
		"http://169.254.10.20:8000/mcp",
		"http://[fe80::1]/",
		"http://[fd00:ec2::254]/",
		"http://100.100.100.200/",
		"http://[::ffff:169.254.169.254]/",
		"http://[64:ff9b::a9fe:a9fe]/",
		"http://metadata.google.internal/",
		"http://instance-data./",
		"http://evil.example/",
	} {
		if _, err := CheckURL(context.Background(), raw, opt); err != nil {
			t.Errorf("AllowLinkLocal: CheckURL(%q): %v", raw, err)
		}
	}
	// Addresses that name no host, zone ids and numeric forms stay refused.
	for _, raw := range []string{
		"http://0.0.0.0/",
		"http://[::]/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"http://[::ffff:0.0.0.0]/",
		"http://sinkhole.example/",
		"http://[fe80::1%25eth0]/",
		"http://2852039166/",
	} {
		if _, err := CheckURL(context.Background(), raw, opt); err == nil {
			t.Errorf("AllowLinkLocal: CheckURL(%q) accepted", raw)
		} else if strings.Contains(err.Error(), "UPSTREAM_ALLOW_LINK_LOCAL") {
			t.Errorf("AllowLinkLocal: %q: message %q suggests a setting that would not help", raw, err)
		}
	}
}

// TestCheckURLMessagesPointAtTheSetting checks that only refusals the
// operator setting can lift mention it.
func TestCheckURLMessagesPointAtTheSetting(t *testing.T) {
	for raw, mention := range map[string]bool{
		"http://169.254.169.254/":          true,
		"http://metadata.google.internal/": true,
		"http://evil.example/":             true,
		"http://0.0.0.0/":                  false,
		"http://224.0.0.1/":                false,
	} {
		_, err := CheckURL(context.Background(), raw, Options{Resolver: newResolver()})
		if err == nil || strings.Contains(err.Error(), "UPSTREAM_ALLOW_LINK_LOCAL") != mention {
			t.Errorf("CheckURL(%q): %v; mention of the setting should be %v", raw, err, mention)
		}
	}
}

// slowResolver blocks until its context ends.
type slowResolver struct{ sawDeadline bool }

func (r *slowResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	_, r.sawDeadline = ctx.Deadline()
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestCheckURLResolutionIsBoundedByContext(t *testing.T) {
	r := &slowResolver{}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := CheckURL(ctx, "http://slow.example/", Options{Resolver: r}); err != nil {
		t.Fatalf("a timed-out lookup should be accepted: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("CheckURL took %v despite a 50ms deadline", d)
	}

	// Without a deadline of its own, the lookup still gets one.
	quick, cancel2 := context.WithCancel(context.Background())
	cancel2()
	r2 := &slowResolver{}
	if _, err := CheckURL(quick, "http://slow.example/", Options{Resolver: r2}); err != nil {
		t.Fatal(err)
	}
	if !r2.sawDeadline {
		t.Fatal("lookup ran without a deadline")
	}
}

func TestBlocked(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		blocked bool
	}{
		{"169.254.169.254", true},
		{"169.254.0.1", true},
		{"169.254.255.255", true},
		{"169.253.255.255", false},
		{"169.255.0.0", false},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"febf::1", true},
		{"fec0::1", false},
		{"fd00:ec2::254", true},
		{"fd00:ec2::253", false},
		{"100.100.100.200", true},
		{"100.100.100.201", false},
		{"192.0.0.192", true},
		{"168.63.129.16", true},
		{"0.0.0.0", true},
		{"0.255.255.255", true},
		{"::", true},
		{"224.0.0.0", true},
		{"239.255.255.255", true},
		{"ff05::2", true},
		{"255.255.255.255", true},
		{"255.255.255.254", false},
		{"::ffff:169.254.169.254", true},
		{"::ffff:127.0.0.1", false},
		{"::169.254.169.254", true},
		{"::10.0.0.1", false},
		{"::2", true}, // IPv4-compatible 0.0.0.2
		{"64:ff9b::a9fe:a9fe", true},
		{"64:ff9b::a01:203", false},
		{"64:ff9b:1::a9fe:a9fe", false}, // local-use NAT64 (RFC 8215) embeds at a site-chosen offset; not judged
		{"2002:a9fe:a9fe::", true},
		{"2002:a01:203::", false},
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"::1", false},
		{"10.0.0.5", false},
		{"172.31.255.255", false},
		{"192.168.0.1", false},
		{"fd12::1", false},
		{"8.8.8.8", false},
		{"2001:4860:4860::8888", false},
	} {
		reason, blocked := Blocked(netip.MustParseAddr(tc.addr))
		if blocked != tc.blocked {
			t.Errorf("Blocked(%s) = %q, %v; want %v", tc.addr, reason, blocked, tc.blocked)
		}
		if blocked == (reason == "") {
			t.Errorf("Blocked(%s): reason %q with blocked=%v", tc.addr, reason, blocked)
		}
	}
	if _, blocked := Blocked(netip.Addr{}); !blocked {
		t.Error("the zero Addr is not blocked")
	}
}

func TestControl(t *testing.T) {
	for _, tc := range []struct {
		opt     Options
		address string
		refused bool
	}{
		{Options{}, "169.254.169.254:80", true},
		{Options{}, "[::ffff:169.254.169.254]:80", true},
		{Options{}, "[fe80::1%eth0]:8000", true},
		{Options{}, "[fd00:ec2::254]:80", true},
		{Options{}, "0.0.0.0:8000", true},
		{Options{}, "10.0.0.5:8000", false},
		{Options{}, "127.0.0.1:8000", false},
		{Options{}, "[::1]:8000", false},
		{Options{}, "not-an-address", true},
		{Options{}, "example.com:80", true},
		{Options{AllowLinkLocal: true}, "169.254.169.254:80", false},
		{Options{AllowLinkLocal: true}, "[fe80::1%eth0]:8000", false},
		{Options{AllowLinkLocal: true}, "0.0.0.0:8000", true},
	} {
		err := tc.opt.Control("tcp", tc.address, nil)
		if tc.refused != (err != nil) {
			t.Errorf("Control(%q, AllowLinkLocal=%v) = %v; want refused=%v", tc.address, tc.opt.AllowLinkLocal, err, tc.refused)
		}
		if err != nil && !errors.Is(err, ErrBlocked) {
			t.Errorf("Control(%q) = %v; want it to wrap ErrBlocked", tc.address, err)
		}
	}
	err := Options{}.Control("tcp4", "169.254.169.254:80", nil)
	if err == nil || !strings.Contains(err.Error(), "169.254.169.254 is a link-local (cloud metadata) address") {
		t.Fatalf("message %v does not name the address and the reason", err)
	}
}

// TestControlWithDialer uses Control the way the proxy will. Control runs
// after the socket is created and before connect(2), so a refusal means no
// packet left; the 10-second timeout shows the error is not a timeout.
func TestControlWithDialer(t *testing.T) {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: Options{}.Control}
	start := time.Now()
	conn, err := d.DialContext(context.Background(), "tcp", "169.254.169.254:80")
	if err == nil {
		conn.Close()
		t.Fatal("dialled the metadata address")
	}
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("err = %v; want ErrBlocked", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("refusal took %v; want it immediate", el)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	conn, err = d.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dialling a loopback listener: %v", err)
	}
	conn.Close()
}

// TestControlBehindHTTPTransport shows the guard refusing a redirect to a
// metadata address, which CheckURL never sees, while the registered
// loopback upstream works.
func TestControlBehindHTTPTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	if _, err := CheckURL(context.Background(), srv.URL+"/redirect", Options{}); err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{
		Proxy:       nil, // through a proxy the guard would only see the proxy
		DialContext: (&net.Dialer{Timeout: 10 * time.Second, Control: Options{}.Control}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	resp, err := client.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	start := time.Now()
	resp, err = client.Get(srv.URL + "/redirect")
	if err == nil {
		resp.Body.Close()
		t.Fatal("followed a redirect to the metadata address")
	}
	if !errors.Is(err, ErrBlocked) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v; want an immediate ErrBlocked", err, time.Since(start))
	}
}

// emptyResolver answers every name with no addresses.
type emptyResolver struct{}

func (emptyResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, nil
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://10.0.0.5:8000/mcp", "https://example.com/mcp?x=1", "http://[::ffff:169.254.169.254]/",
		"http://0251.0376.0251.0376/", "http://[fe80::1%25eth0]/", "http://u:p@h/", "http://h:/",
		"HTTP://METADATA./", "http://[2002:a9fe:a9fe::]/", "http://a..b/", "http:x", "http://[::1]:99999/",
		"http://%31/", "http://h/%zz", "http://h/?q#f",
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, allowLinkLocal bool) {
		opt := Options{AllowLinkLocal: allowLinkLocal, Resolver: emptyResolver{}}
		u, err := CheckURL(context.Background(), raw, opt)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EINVALID || de.Field != "upstream_url" {
				t.Fatalf("CheckURL(%q) error %v is not a validation error on upstream_url", raw, err)
			}
			return
		}
		if len(raw) > MaxURLLength || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil ||
			u.Host == "" || u.Fragment != "" || u.Host != strings.ToLower(u.Host) {
			t.Fatalf("CheckURL(%q) accepted %#v", raw, u)
		}
		if a, err := netip.ParseAddr(strings.TrimSuffix(u.Hostname(), ".")); err == nil {
			if _, c := opt.refuses(a); c != allowed {
				t.Fatalf("CheckURL(%q) accepted refused address %s", raw, a)
			}
		}
		// What the transport will dial must parse back to the same host.
		again, err := CheckURL(context.Background(), u.String(), opt)
		if err != nil || again.Host != u.Host {
			t.Fatalf("CheckURL(%q) = %q, which does not check again: %v", raw, u, err)
		}
	})
}
