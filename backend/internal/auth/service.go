package auth

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
)

// Auditor records audit events; audit.Writer implements it.
type Auditor interface {
	Record(ctx context.Context, ev domain.AuditEvent)
}

// SessionPolicy is how long sessions live and how often sign-in may fail.
type SessionPolicy struct {
	MaxAge      time.Duration // absolute lifetime
	IdleTimeout time.Duration
	Throttle    redisstore.ThrottleLimits
}

// sessionIDBytes is the entropy of a session id: 256 bits.
const sessionIDBytes = 32

// Service signs users in and out and resolves session cookies to principals.
type Service struct {
	db       *postgres.DB
	users    postgres.Users
	sessions *redisstore.Sessions
	throttle *redisstore.Throttle
	hasher   *Hasher
	audit    Auditor
	log      *slog.Logger
	policy   SessionPolicy
	now      func() time.Time
	logins   *prometheus.CounterVec
	// afterVerify, when set (by tests), runs between the password check and
	// the session's creation: the window concurrent user changes race in.
	afterVerify func()
}

// NewService wires the sign-in service. now may be nil (time.Now).
func NewService(db *postgres.DB, sessions *redisstore.Sessions, throttle *redisstore.Throttle, hasher *Hasher,
	audit Auditor, log *slog.Logger, reg prometheus.Registerer, policy SessionPolicy, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{
		db: db, sessions: sessions, throttle: throttle, hasher: hasher, audit: audit, log: log, policy: policy, now: now,
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgw_auth_logins_total", Help: "Sign-in attempts by outcome (success, invalid_credentials, throttled, error).",
		}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(s.logins)
	}
	return s
}

// Policy returns the session policy.
func (s *Service) Policy() SessionPolicy { return s.policy }

var errInvalidCredentials = &domain.Error{Code: domain.EINVALIDCREDENTIALS, Message: "invalid username or password"}

// Login checks a username and password and starts a new session. Every
// refusal (unknown user, wrong password, disabled account, no local
// password) returns the same error after the same work. previous, the live
// session the browser already had, if any, is ended: a session id never
// survives a sign-in.
func (s *Service) Login(ctx context.Context, username, password string, previous *domain.Session) (*domain.Session, error) {
	if username == "" {
		return nil, domain.Invalid("username", "is required")
	}
	if password == "" {
		return nil, domain.Invalid("password", "is required")
	}
	ri := domain.RequestInfoFrom(ctx)
	verdict, err := s.throttle.Attempt(ctx, username, ri.ClientIP, s.policy.Throttle)
	if err != nil {
		s.logins.WithLabelValues("error").Inc()
		return nil, err
	}
	if verdict.Wait > 0 {
		throttled := &domain.Error{
			Code: domain.ERATELIMITED, Message: "too many sign-in attempts; try again later", RetryAfter: verdict.Wait,
		}
		s.logins.WithLabelValues("throttled").Inc()
		// One audit event per throttle window, not one per request: a
		// client hammering the endpoint must not flood the trail.
		if verdict.FirstRefusal {
			s.audit.Record(ctx, failedLogin(username, 0, "throttled"))
		}
		return nil, throttled
	}
	// No such user can exist; refusing without a lookup also keeps such
	// bytes away from the database.
	if domain.ValidateUsername("username", username) != nil || len(password) > domain.MaxPasswordLength {
		return nil, s.refuse(ctx, username, 0, "malformed")
	}

	user, err := s.users.GetByUsername(ctx, s.db.Pool, username)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		s.hasher.VerifyDummy(ctx, password)
		return nil, s.refuse(ctx, username, 0, "unknown_user")
	case err != nil:
		s.logins.WithLabelValues("error").Inc()
		return nil, domain.Unavailable("user store", err)
	case user.AuthSource != domain.AuthSourceLocal || user.PasswordHash == "":
		s.hasher.VerifyDummy(ctx, password)
		return nil, s.refuse(ctx, user.Username, user.ID, "no_local_password")
	}
	ok, rehash, err := s.hasher.Verify(ctx, password, user.PasswordHash)
	if ctx.Err() != nil {
		return nil, ctx.Err() // the client left while waiting to be hashed
	}
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash unusable", "user_id", user.ID, "error", err)
		return nil, s.refuse(ctx, user.Username, user.ID, "bad_hash")
	}
	if !ok {
		return nil, s.refuse(ctx, user.Username, user.ID, "wrong_password")
	}
	if user.Disabled {
		return nil, s.refuse(ctx, user.Username, user.ID, "user_disabled")
	}
	if s.afterVerify != nil {
		s.afterVerify()
	}

	if err := s.throttle.Succeeded(ctx, username, ri.ClientIP); err != nil {
		s.log.WarnContext(ctx, "could not reset sign-in throttle", "error", err)
	}
	sess, err := s.startSession(ctx, user, domain.AuthMethodLocal, "", previous)
	if errors.Is(err, errChangedDuringSignIn) {
		return nil, s.refuse(ctx, user.Username, user.ID, "changed_during_sign_in")
	}
	if err != nil {
		s.logins.WithLabelValues("error").Inc()
		return nil, err
	}
	if rehash {
		if h, err := s.hasher.Hash(ctx, password); err == nil {
			_, _ = s.users.ReplacePasswordHash(ctx, s.db.Pool, user.ID, user.PasswordHash, h)
		}
	}
	if err := s.users.RecordLogin(ctx, s.db.Pool, user.ID, sess.CreatedAt); err != nil {
		s.log.WarnContext(ctx, "could not record last sign-in time", "user_id", user.ID, "error", err)
	}
	s.logins.WithLabelValues("success").Inc()
	s.audit.Record(ctx, domain.AuditEvent{
		Action: domain.ActionLogin, Outcome: domain.OutcomeSuccess,
		Actor: user.Username, ActorID: user.ID, AuthMethod: domain.AuthMethodLocal,
		TargetType: "user", Target: user.Username,
	})
	return sess, nil
}

// errChangedDuringSignIn refuses a sign-in whose user was disabled or
// changed while it was being checked.
var errChangedDuringSignIn = errors.New("user changed during sign-in")

// startSession creates a new session for user, who has just proven who they
// are, and ends previous, the session the browser already had: a session id
// never survives a sign-in.
func (s *Service) startSession(ctx context.Context, user *domain.User, method, provider string, previous *domain.Session) (*domain.Session, error) {
	if previous != nil {
		_ = s.sessions.Delete(ctx, previous.ID, previous.UserID)
	}
	ri := domain.RequestInfoFrom(ctx)
	now := s.now()
	sess := &domain.Session{
		ID:         randomToken(sessionIDBytes),
		UserID:     user.ID,
		Username:   user.Username,
		AuthMethod: method,
		Provider:   provider,
		Groups:     user.Groups,
		CSRFToken:  randomToken(32),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.policy.MaxAge),
		ClientIP:   ri.ClientIP,
		UserAgent:  domain.SafeText(ri.UserAgent, 512),
	}
	if err := s.sessions.Create(ctx, sess, s.policy.IdleTimeout); err != nil {
		return nil, err
	}
	// The user was checked against a snapshot. A disable, password change
	// or group change that committed since then must win: it either shows
	// up in this re-read, or committed after it and then ends every session
	// of the user, this new one included.
	if err := s.recheck(ctx, user); err != nil {
		_ = s.sessions.Delete(ctx, sess.ID, user.ID)
		return nil, err
	}
	return sess, nil
}

// recheck reports errChangedDuringSignIn when the user changed since was
// was read.
func (s *Service) recheck(ctx context.Context, was *domain.User) error {
	now, err := s.users.Get(ctx, s.db.Pool, was.ID)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return errChangedDuringSignIn
		}
		return domain.Unavailable("user store", err)
	}
	if now.Disabled || now.PasswordHash != was.PasswordHash || !slices.Equal(now.Groups, was.Groups) {
		return errChangedDuringSignIn
	}
	return nil
}

func failedLogin(username string, userID int64, reason string) domain.AuditEvent {
	return domain.AuditEvent{
		Action: domain.ActionLogin, Outcome: domain.OutcomeFailure,
		Actor: username, ActorID: userID, AuthMethod: domain.AuthMethodLocal,
		TargetType: "user", Target: username,
		Details: map[string]any{"reason": reason},
	}
}

// refuse counts and audits a refused sign-in and returns the one answer
// every refusal gets; reason goes to the audit trail only, never to the
// client.
func (s *Service) refuse(ctx context.Context, username string, userID int64, reason string) error {
	s.logins.WithLabelValues("invalid_credentials").Inc()
	s.audit.Record(ctx, failedLogin(username, userID, reason))
	return errInvalidCredentials
}

// Authenticate resolves a session cookie value to its principal and marks
// the session used. An unknown, idle or expired session is
// domain.ErrUnauthorized; a failing Redis is domain.EUNAVAILABLE.
func (s *Service) Authenticate(ctx context.Context, sessionID string) (*domain.Principal, error) {
	if !plausibleToken(sessionID, sessionIDBytes) {
		return nil, domain.ErrUnauthorized // not worth a round trip
	}
	sess, err := s.sessions.Touch(ctx, sessionID, s.now(), s.policy.IdleTimeout)
	if err != nil {
		return nil, err
	}
	sess.ID = sessionID
	return sess.Principal(), nil
}

// Logout ends the principal's session.
func (s *Service) Logout(ctx context.Context, p *domain.Principal) error {
	if p == nil || p.Session == nil {
		return nil
	}
	if err := s.sessions.Delete(ctx, p.Session.ID, p.UserID); err != nil {
		return err
	}
	s.audit.Record(ctx, domain.AuditEvent{
		Action: domain.ActionLogout, Outcome: domain.OutcomeSuccess,
		Actor: p.Username, ActorID: p.UserID, AuthMethod: p.AuthMethod,
		TargetType: "user", Target: p.Username,
	})
	return nil
}

// plausibleToken reports whether s could be a token of n random bytes as
// made by randomToken.
func plausibleToken(s string, n int) bool {
	if len(s) != (n*8+5)/6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
