// Package notify sends messages to the people the platform serves — owners
// and residents — through providers, one per channel: the log (always
// there, the default), email over internal/mail, and SMS through a
// provider such as AliyunSMS. Callers say which channel they would like and to whom;
// a channel without a provider, or a message without a recipient, goes to
// the log, and the caller is told which channel took it.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/estatedesk/estatedesk/internal/mail"
)

// Channel is a way to reach a person.
type Channel string

const (
	// Log writes the message to the application's log: nobody receives it,
	// but it is on record (a fresh install, or no address known).
	Log   Channel = "log"
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Message is one message to one recipient: an email address for Email, a
// phone number for SMS.
type Message struct {
	Channel   Channel
	Recipient string
	Subject   string
	Body      string
	// Template and Params name the message for SMS services that send
	// only approved templates (Body is then the text as the log shows
	// it); Sign is the company's signature (签名) without its brackets.
	Template string
	Params   map[string]string
	Sign     string
}

// Provider delivers messages of one channel.
type Provider interface {
	Send(ctx context.Context, m Message) error
}

// ErrNoProvider is Send's error when not even a log provider is set.
var ErrNoProvider = errors.New("notify: no provider")

// Notifier routes messages to the provider of their channel.
type Notifier struct {
	mu        sync.RWMutex
	providers map[Channel]Provider
}

// New is a notifier with the log provider only.
func New(log *slog.Logger) *Notifier {
	return &Notifier{providers: map[Channel]Provider{Log: LogProvider{Log: log}}}
}

// Register sets the provider of a channel (replacing the log's own
// provider is how a test records what was "sent").
func (n *Notifier) Register(ch Channel, p Provider) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.providers[ch] = p
}

// Has reports whether a provider delivers ch (the log always does).
func (n *Notifier) Has(ch Channel) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	_, ok := n.providers[ch]
	return ok
}

// Send delivers m through its channel's provider, or the log's when the
// channel has none or m has no recipient; it answers the channel that
// took the message. An error is the provider's: the message may not have
// left.
func (n *Notifier) Send(ctx context.Context, m Message) (Channel, error) {
	n.mu.RLock()
	p, ok := n.providers[m.Channel]
	if !ok || m.Recipient == "" || m.Channel == "" {
		m.Channel = Log
		p, ok = n.providers[Log]
	}
	n.mu.RUnlock()
	if !ok {
		return m.Channel, ErrNoProvider
	}
	return m.Channel, p.Send(ctx, m)
}

// LogProvider writes messages to the log.
type LogProvider struct{ Log *slog.Logger }

func (p LogProvider) Send(ctx context.Context, m Message) error {
	if p.Log != nil {
		p.Log.InfoContext(ctx, "notification logged, not sent", "to", m.Recipient, "subject", m.Subject, "body", m.Body)
	}
	return nil
}

// MailProvider sends email through internal/mail (SMTP, or its own log
// when no SMTP host is configured).
type MailProvider struct{ Sender mail.Sender }

func (p MailProvider) Send(ctx context.Context, m Message) error {
	return p.Sender.Send(ctx, mail.Message{To: m.Recipient, Subject: m.Subject, Body: m.Body})
}
