package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// AliyunSMS sends SMS through Alibaba Cloud's Short Message Service
// (dysmsapi, action SendSms) over its HTTP API, signed with the RPC
// signature (HMAC-SHA1 over the sorted, percent-encoded query). No SDK: the
// API is one signed GET, and the SDKs are not served by the module proxy.
//
// Aliyun sends only approved templates under an approved signature, so a
// message names its template (Message.Template) and its parameters
// (Message.Params); Templates maps our template names to the account's
// template codes (SMS_…). The text in Message.Body is what the log shows.
type AliyunSMS struct {
	// Endpoint is https://dysmsapi.aliyuncs.com/ in production; tests
	// point it at a local fake.
	Endpoint        string
	AccessKeyID     string
	AccessKeySecret string
	// SignName is the approved signature (签名) used when a message
	// carries none of its own.
	SignName  string
	Templates map[string]string
	Client    *http.Client
	// Now and Nonce are the clock and the nonce source; tests fix them.
	Now   func() time.Time
	Nonce func() string
}

// ErrSMSRefused is the error of a message the SMS service did not accept.
var ErrSMSRefused = errors.New("notify: SMS refused")

func (p *AliyunSMS) Send(ctx context.Context, m Message) error {
	code, ok := p.Templates[m.Template]
	if !ok {
		return fmt.Errorf("%w: no template code for %q", ErrSMSRefused, m.Template)
	}
	params, err := json.Marshal(m.Params)
	if err != nil {
		return err
	}
	sign := p.SignName
	if m.Sign != "" {
		sign = m.Sign
	}
	now, nonce := time.Now, randomNonce
	if p.Now != nil {
		now = p.Now
	}
	if p.Nonce != nil {
		nonce = p.Nonce
	}
	q := map[string]string{
		"AccessKeyId":      p.AccessKeyID,
		"Action":           "SendSms",
		"Format":           "JSON",
		"PhoneNumbers":     m.Recipient,
		"RegionId":         "cn-hangzhou",
		"SignName":         sign,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   nonce(),
		"SignatureVersion": "1.0",
		"TemplateCode":     code,
		"TemplateParam":    string(params),
		"Timestamp":        now().UTC().Format("2006-01-02T15:04:05Z"),
		"Version":          "2017-05-25",
	}
	query := canonicalQuery(q)
	u := strings.TrimSuffix(p.Endpoint, "/") + "/?Signature=" + aliyunEncode(AliyunSignature("GET", query, p.AccessKeySecret)) + "&" + query
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct{ Code, Message, BizId string }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return fmt.Errorf("notify: aliyun answered %d: %w", resp.StatusCode, err)
	}
	if out.Code != "OK" {
		return fmt.Errorf("%w: %s %s", ErrSMSRefused, out.Code, out.Message)
	}
	return nil
}

// AliyunSignature signs a canonical query (see canonicalQuery) the way
// Alibaba Cloud's RPC APIs check it.
func AliyunSignature(method, canonical, secret string) string {
	toSign := method + "&" + aliyunEncode("/") + "&" + aliyunEncode(canonical)
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// canonicalQuery is the parameters sorted by name, each name and value
// percent-encoded, joined with & (the Signature itself excluded).
func canonicalQuery(q map[string]string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = aliyunEncode(k) + "=" + aliyunEncode(q[k])
	}
	return strings.Join(parts, "&")
}

// CanonicalQuery is canonicalQuery of a parsed query without its
// Signature: what a server (the tests' fake) recomputes the signature over.
func CanonicalQuery(v url.Values) string {
	q := map[string]string{}
	for k := range v {
		if k != "Signature" {
			q[k] = v.Get(k)
		}
	}
	return canonicalQuery(q)
}

// aliyunEncode is RFC 3986 percent-encoding: only A–Z a–z 0–9 - _ . ~ stay;
// a space is %20, never +.
func aliyunEncode(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
}

func randomNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
