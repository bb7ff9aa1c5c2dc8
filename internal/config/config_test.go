package config

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestEnvironmentThenFlags(t *testing.T) {
	t.Setenv("ESTATEDESK_ADDR", "0.0.0.0:9000")
	t.Setenv("ESTATEDESK_DATA_DIR", "/var/lib/estatedesk")
	t.Setenv("ESTATEDESK_SESSION_TTL", "48h")
	t.Setenv("ESTATEDESK_BASE_URL", "https://desk.example.com/")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, pos, err := Load(fs, []string{"FILE", "--addr", "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1" || c.DataDir != "/var/lib/estatedesk" || c.SessionTTL != 48*time.Hour || len(pos) != 1 || pos[0] != "FILE" {
		t.Errorf("config %+v, positional %v", c, pos)
	}
	if c.BaseURL != "https://desk.example.com" || !c.SecureCookies() {
		t.Errorf("base URL %q secure=%v", c.BaseURL, c.SecureCookies())
	}
}

func TestBadValuesAreErrors(t *testing.T) {
	t.Setenv("ESTATEDESK_SESSION_TTL", "two weeks")
	if _, _, err := Load(flag.NewFlagSet("x", flag.ContinueOnError), nil); err == nil {
		t.Error("bad duration accepted")
	}
	t.Setenv("ESTATEDESK_SESSION_TTL", "")
	t.Setenv("ESTATEDESK_DEFAULT_TIME_ZONE", "Mars/Olympus")
	if _, _, err := Load(flag.NewFlagSet("x", flag.ContinueOnError), nil); err == nil {
		t.Error("bad time zone accepted")
	}
}

// Outgoing webhooks refuse private targets unless told otherwise.
func TestWebhookAllowPrivate(t *testing.T) {
	if Default().WebhookAllowPrivate {
		t.Error("private webhook targets allowed by default")
	}
	t.Setenv("ESTATEDESK_WEBHOOK_ALLOW_PRIVATE", "true")
	c, _, err := Load(flag.NewFlagSet("x", flag.ContinueOnError), nil)
	if err != nil || !c.WebhookAllowPrivate {
		t.Errorf("ESTATEDESK_WEBHOOK_ALLOW_PRIVATE=true: %v, %v", c.WebhookAllowPrivate, err)
	}
	t.Setenv("ESTATEDESK_WEBHOOK_ALLOW_PRIVATE", "maybe")
	if _, _, err := Load(flag.NewFlagSet("x", flag.ContinueOnError), nil); err == nil {
		t.Error("a bad boolean accepted")
	}
}
