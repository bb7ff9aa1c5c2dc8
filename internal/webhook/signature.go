package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Sign returns the value of the X-Estatedesk-Signature header for body sent
// at t: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". The
// timestamp is inside the MAC, so a receiver that checks its age rejects a
// captured request replayed later.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a signature header against the raw request body, as a
// receiver does: one of its v1 values must be the MAC of "<t>.<body>" under
// secret (several v1 values are accepted so that a secret can be rotated),
// and t must lie within tolerance of now. A tolerance of zero or less skips
// the age check, which leaves the receiver open to replays.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrInvalidSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		// Every candidate is compared, in constant time each.
		ok = hmac.Equal(s, want) || ok
	}
	if !ok {
		return ErrInvalidSignature
	}
	if tolerance > 0 {
		age := now.Sub(time.Unix(sec, 0))
		if age < -tolerance || age > tolerance {
			return ErrSignatureExpired
		}
	}
	return nil
}
