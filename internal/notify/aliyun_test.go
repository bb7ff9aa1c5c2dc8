package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/estatedesk/estatedesk/internal/notify"
)

// The example of Alibaba Cloud's SMS signature documentation: its query,
// secret and signature.
func TestAliyunSignatureMatchesDocumentedExample(t *testing.T) {
	v := url.Values{}
	for k, val := range map[string]string{
		"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
		"RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
		"SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
		"TemplateParam": `{"customer":"test"}`, "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
	} {
		v.Set(k, val)
	}
	if got, want := notify.AliyunSignature("GET", notify.CanonicalQuery(v), "testSecret"), "zJDF+Lrzhj/ThnlvIToysFRq6t4="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

// fakeAliyun is a local stand-in for dysmsapi: it checks the signature as
// the service does and answers like it.
func fakeAliyun(t *testing.T, secret string, got chan<- url.Values) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		if notify.AliyunSignature(r.Method, notify.CanonicalQuery(q), secret) != q.Get("Signature") {
			json.NewEncoder(w).Encode(map[string]string{"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation."})
			return
		}
		if q.Get("TemplateCode") == "SMS_BAD" {
			json.NewEncoder(w).Encode(map[string]string{"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "template illegal"})
			return
		}
		got <- q
		json.NewEncoder(w).Encode(map[string]string{"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAliyunSMSSendsSignedRequest(t *testing.T) {
	got := make(chan url.Values, 1)
	srv := fakeAliyun(t, "s3cret", got)
	p := &notify.AliyunSMS{Endpoint: srv.URL, AccessKeyID: "LTAIkey", AccessKeySecret: "s3cret", SignName: "默认签名",
		Templates: map[string]string{"resident_code": "SMS_100001", "broken": "SMS_BAD"},
		Now:       func() time.Time { return time.Date(2026, 12, 6, 2, 30, 0, 0, time.UTC) }}
	err := p.Send(context.Background(), notify.Message{Channel: notify.SMS, Recipient: "13800138000", Template: "resident_code",
		Params: map[string]string{"code": "123456"}, Sign: "示例物业", Body: "【示例物业】验证码123456"})
	if err != nil {
		t.Fatal(err)
	}
	q := <-got
	for k, want := range map[string]string{"Action": "SendSms", "PhoneNumbers": "13800138000", "SignName": "示例物业",
		"TemplateCode": "SMS_100001", "TemplateParam": `{"code":"123456"}`, "Timestamp": "2026-12-06T02:30:00Z", "AccessKeyId": "LTAIkey"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	// A wrong secret, a refused template and an unknown template are errors.
	bad := *p
	bad.AccessKeySecret = "wrong"
	if err := bad.Send(context.Background(), notify.Message{Recipient: "13800138000", Template: "resident_code"}); !errors.Is(err, notify.ErrSMSRefused) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := p.Send(context.Background(), notify.Message{Recipient: "13800138000", Template: "broken"}); !errors.Is(err, notify.ErrSMSRefused) {
		t.Errorf("refused template: %v", err)
	}
	if err := p.Send(context.Background(), notify.Message{Recipient: "13800138000", Template: "nope"}); !errors.Is(err, notify.ErrSMSRefused) {
		t.Errorf("unknown template: %v", err)
	}
}
