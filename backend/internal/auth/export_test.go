package auth

// SetAfterVerify lets external tests act in the window between a sign-in's
// password check and its session's creation.
func SetAfterVerify(s *Service, f func()) { s.afterVerify = f }
