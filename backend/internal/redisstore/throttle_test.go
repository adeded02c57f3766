package redisstore

import "testing"

func TestIPBucket(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
	} {
		if ipBucket(tc.a) != ipBucket(tc.b) {
			t.Errorf("%s and %s should share a bucket: %s vs %s", tc.a, tc.b, ipBucket(tc.a), ipBucket(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"192.0.2.7", "192.0.2.8"},
	} {
		if ipBucket(tc.a) == ipBucket(tc.b) {
			t.Errorf("%s and %s should not share a bucket", tc.a, tc.b)
		}
	}
	if got := ipBucket("2001:db8:1:2::1"); got != "2001:db8:1:2::/64" {
		t.Errorf("bucket = %s", got)
	}
}
