package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignatureRoundTripAndTampering(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	at := time.Unix(1_790_000_000, 0)
	body := []byte(`{"id":"x","event":"ticket.created","data":{"number":"T-1"}}`)
	header := Sign(secret, at, body)
	if !strings.HasPrefix(header, "t=1790000000,v1=") || len(header) != len("t=1790000000,v1=")+64 {
		t.Fatalf("header %q", header)
	}
	if err := Verify(secret, header, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("genuine signature refused: %v", err)
	}
	v1 := strings.TrimPrefix(header, "t=1790000000,")
	other := Sign("another secret", at, body)
	otherV1 := other[strings.Index(other, "v1="):]

	for _, c := range []struct {
		name, secret, header string
		body                 []byte
		now                  time.Time
		tolerance            time.Duration
		want                 error
	}{
		{"body changed", secret, header, []byte(strings.Replace(string(body), "T-1", "T-2", 1)), at, time.Minute, ErrInvalidSignature},
		{"body extended", secret, header, append(append([]byte{}, body...), ' '), at, time.Minute, ErrInvalidSignature},
		{"wrong secret", "guess", header, body, at, time.Minute, ErrInvalidSignature},
		{"timestamp moved", secret, "t=1790000300," + v1, body, at, time.Hour, ErrInvalidSignature},
		{"no signature", secret, "t=1790000000", body, at, time.Minute, ErrInvalidSignature},
		{"no timestamp", secret, v1, body, at, time.Minute, ErrInvalidSignature},
		{"empty header", secret, "", body, at, time.Minute, ErrInvalidSignature},
		{"garbage", secret, "t=abc,v1=zz", body, at, time.Minute, ErrInvalidSignature},
		{"truncated mac", secret, header[:len(header)-2], body, at, time.Minute, ErrInvalidSignature},
		{"too old", secret, header, body, at.Add(6 * time.Minute), 5 * time.Minute, ErrSignatureExpired},
		{"from the future", secret, header, body, at.Add(-6 * time.Minute), 5 * time.Minute, ErrSignatureExpired},
		{"old but no tolerance", secret, header, body, at.Add(24 * time.Hour), 0, nil},
		{"one of two v1 matches (rotation)", secret, "t=1790000000," + otherV1 + "," + v1, body, at, time.Minute, nil},
		{"spaces after commas", secret, "t=1790000000, " + v1, body, at, time.Minute, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := Verify(c.secret, c.header, c.body, c.now, c.tolerance); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Errorf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestBackoffSchedule(t *testing.T) {
	want := []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestTruncateKeepsCharactersWhole(t *testing.T) {
	s := strings.Repeat("错", 200) // 600 bytes
	got := truncate(s, maxErrorLen)
	if len(got) > maxErrorLen+len("…") || !strings.HasSuffix(got, "…") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("truncated to %d bytes: %q", len(got), got[len(got)-10:])
	}
}
