package resident

import "errors"

var (
	// ErrInvalidPhone: the text is not a mainland mobile number.
	ErrInvalidPhone = errors.New("resident: not a mobile number")
	// ErrThrottled: too many codes asked for this number or from this
	// address lately. Known and unknown numbers are throttled alike.
	ErrThrottled = errors.New("resident: too many code requests")
	// ErrCodeInvalid: the code is wrong, expired, used, or its tries are
	// spent — one answer for all, so a guesser learns nothing more.
	ErrCodeInvalid = errors.New("resident: code invalid")
	// ErrSessionInvalid: no such resident session, or it ended.
	ErrSessionInvalid = errors.New("resident: session invalid")
)
