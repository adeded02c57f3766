package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkMiddlewareChain is the gateway's own overhead on an authenticated
// API request, with authentication itself costing nothing (a stub bearer).
func BenchmarkMiddlewareChain(b *testing.B) {
	h := testRouter(&testing.T{}, Deps{Bearer: stubBearer{}})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/api/auth/me", nil)
		req.Header.Set("Authorization", "Bearer good-token")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
