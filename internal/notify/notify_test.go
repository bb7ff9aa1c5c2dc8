package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/notify"
)

type recorder struct {
	got []notify.Message
	err error
}

func (r *recorder) Send(_ context.Context, m notify.Message) error {
	r.got = append(r.got, m)
	return r.err
}

type mailbox struct{ got []mail.Message }

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.got = append(m.got, msg)
	return nil
}

// A message goes to its channel's provider; a channel without one (SMS
// today), or a message without a recipient, goes to the log, and the
// caller learns which channel took it.
func TestNotifierRoutes(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	n := notify.New(slog.New(slog.NewTextHandler(&logs, nil)))
	box := &mailbox{}
	n.Register(notify.Email, notify.MailProvider{Sender: box})
	if !n.Has(notify.Email) || n.Has(notify.SMS) || !n.Has(notify.Log) {
		t.Fatal("providers")
	}
	ch, err := n.Send(ctx, notify.Message{Channel: notify.Email, Recipient: "wang@example.com", Subject: "缴费提醒", Body: "请缴费"})
	if err != nil || ch != notify.Email || len(box.got) != 1 || box.got[0].To != "wang@example.com" || box.got[0].Subject != "缴费提醒" || box.got[0].Body != "请缴费" {
		t.Errorf("email: %s %v %+v", ch, err, box.got)
	}
	ch, err = n.Send(ctx, notify.Message{Channel: notify.SMS, Recipient: "13800138000", Subject: "s", Body: "短信正文"})
	if err != nil || ch != notify.Log || !strings.Contains(logs.String(), "13800138000") || !strings.Contains(logs.String(), "短信正文") {
		t.Errorf("sms without a provider: %s %v %q", ch, err, logs.String())
	}
	ch, _ = n.Send(ctx, notify.Message{Channel: notify.Email, Subject: "s", Body: "b"})
	if ch != notify.Log || len(box.got) != 1 {
		t.Errorf("email without a recipient went to %s", ch)
	}
	// Once SMS has a provider, the same message goes by SMS; its error is
	// the caller's to record.
	sms := &recorder{err: errors.New("gateway down")}
	n.Register(notify.SMS, sms)
	ch, err = n.Send(ctx, notify.Message{Channel: notify.SMS, Recipient: "13800138000", Body: "b"})
	if ch != notify.SMS || err == nil || len(sms.got) != 1 {
		t.Errorf("sms: %s %v", ch, err)
	}
}
