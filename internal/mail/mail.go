// Package mail sends the few emails the platform writes (invitations,
// password resets). Without an SMTP host the message goes to the log, so a
// fresh install still works.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Config mirrors config.SMTP without importing it.
type Config struct {
	Host, Username, Password, From string
	Port                           int
}

// New returns an SMTP sender, or a log sender when cfg.Host is empty.
func New(cfg Config, log *slog.Logger) Sender {
	if cfg.Host == "" {
		return LogSender{Log: log}
	}
	return smtpSender{cfg: cfg}
}

// LogSender writes messages to the log (development and demo).
type LogSender struct{ Log *slog.Logger }

func (s LogSender) Send(ctx context.Context, m Message) error {
	s.Log.InfoContext(ctx, "mail not sent: no SMTP host configured", "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

type smtpSender struct{ cfg Config }

func (s smtpSender) Send(ctx context.Context, m Message) error {
	from, err := mail.ParseAddress(s.cfg.From)
	if err != nil {
		return fmt.Errorf("mail: from address: %w", err)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: to address: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from.String(), to.String(),
		mime.BEncoding.Encode("utf-8", m.Subject), time.Now().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	var auth smtp.Auth
	if s.cfg.Username != "" {
		auth = smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(addr, auth, from.Address, []string{to.Address}, []byte(b.String())) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
