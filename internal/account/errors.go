package account

import (
	"errors"
	"time"
)

var (
	ErrInvalidCredentials = errors.New("account: invalid email or password")
	ErrInvalidEmail       = errors.New("account: invalid email")
	ErrInvalidName        = errors.New("account: invalid name")
	ErrPasswordTooShort   = errors.New("account: password too short")
	ErrPasswordTooLong    = errors.New("account: password too long")
	ErrEmailTaken         = errors.New("account: email already registered")
	ErrInvalidRole        = errors.New("account: unknown role")
	ErrNoRoles            = errors.New("account: at least one role is required")
	ErrUnknownEstate      = errors.New("account: unknown estate")
	ErrAlreadyMember      = errors.New("account: already a member")
	ErrLastManager        = errors.New("account: the last manager cannot lose the manager role")
	ErrInvitationInvalid  = errors.New("account: invitation invalid or expired")
	ErrResetInvalid       = errors.New("account: reset link invalid or expired")
	ErrSessionInvalid     = errors.New("account: session invalid or expired")
	ErrWrongPassword      = errors.New("account: the current password is wrong")
	ErrInvalidMobile      = errors.New("account: invalid mobile number")
	ErrMobileTaken        = errors.New("account: mobile number already registered")
	ErrEmailUnconfirmed   = errors.New("account: confirm your email address first")
	ErrConfirmInvalid     = errors.New("account: confirmation link invalid or expired")
)

// ThrottledError says sign-in is refused for a while.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string { return "account: too many failed sign-ins" }

// SignupThrottledError says sign-ups from the address are refused for a while.
type SignupThrottledError struct{ RetryAfter time.Duration }

func (e *SignupThrottledError) Error() string { return "account: too many sign-ups from this address" }
