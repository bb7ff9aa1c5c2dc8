package subscription

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"
)

// APIVersion is the Stripe API version of stripe-go v76: webhook endpoints
// must be created with it, or their events are refused.
const APIVersion = stripe.APIVersion

// gateway is our side of Stripe: the few calls we make, each with an
// idempotency key derived from our own records.
type gateway struct {
	api *client.API
}

func newGateway(secretKey, apiURL string) *gateway {
	cfg := &stripe.BackendConfig{
		// Stripe's default logger writes 4xx replies (and parts of requests)
		// to stderr; our own log says what failed.
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(2),
		HTTPClient:        &http.Client{Timeout: 30 * time.Second},
	}
	if apiURL != "" {
		cfg.URL = stripe.String(apiURL)
	}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
	api := client.New(secretKey, &stripe.Backends{API: backend, Connect: backend, Uploads: backend})
	return &gateway{api: api}
}

func params(ctx context.Context, key string) stripe.Params {
	p := stripe.Params{Context: ctx}
	if key != "" {
		p.SetIdempotencyKey(key)
	}
	return p
}

func (g *gateway) createCustomer(ctx context.Context, key, name, email, tenantID, slug string) (string, error) {
	p := &stripe.CustomerParams{Params: params(ctx, key), Name: stripe.String(name)}
	if email != "" {
		p.Email = stripe.String(email)
	}
	p.AddMetadata("tenant_id", tenantID)
	p.AddMetadata("slug", slug)
	c, err := g.api.Customers.New(p)
	if err != nil {
		return "", fmt.Errorf("stripe: create customer: %w", err)
	}
	return c.ID, nil
}

func (g *gateway) checkout(ctx context.Context, key, customer, price, tenantID, successURL, cancelURL string) (string, error) {
	p := &stripe.CheckoutSessionParams{
		Params:            params(ctx, key),
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:          stripe.String(customer),
		ClientReferenceID: stripe.String(tenantID),
		SuccessURL:        stripe.String(successURL),
		CancelURL:         stripe.String(cancelURL),
		LineItems:         []*stripe.CheckoutSessionLineItemParams{{Price: stripe.String(price), Quantity: stripe.Int64(1)}},
		SubscriptionData:  &stripe.CheckoutSessionSubscriptionDataParams{Metadata: map[string]string{"tenant_id": tenantID}},
	}
	s, err := g.api.CheckoutSessions.New(p)
	if err != nil {
		return "", fmt.Errorf("stripe: create checkout session: %w", err)
	}
	return s.URL, nil
}

func (g *gateway) portal(ctx context.Context, customer, returnURL string) (string, error) {
	p := &stripe.BillingPortalSessionParams{Params: params(ctx, ""), Customer: stripe.String(customer), ReturnURL: stripe.String(returnURL)}
	s, err := g.api.BillingPortalSessions.New(p)
	if err != nil {
		return "", fmt.Errorf("stripe: create portal session: %w", err)
	}
	return s.URL, nil
}

// changePrice moves the subscription's one item to price. An upgrade is
// invoiced at once with proration; a downgrade credits the rest of the
// period on the next invoice.
func (g *gateway) changePrice(ctx context.Context, key, subscriptionID, price string, upgrade bool) error {
	sub, err := g.api.Subscriptions.Get(subscriptionID, &stripe.SubscriptionParams{Params: params(ctx, "")})
	if err != nil {
		return fmt.Errorf("stripe: read subscription: %w", err)
	}
	if sub.Items == nil || len(sub.Items.Data) == 0 {
		return fmt.Errorf("stripe: subscription %s has no items", subscriptionID)
	}
	behavior := "create_prorations"
	if upgrade {
		behavior = "always_invoice"
	}
	p := &stripe.SubscriptionParams{Params: params(ctx, key), ProrationBehavior: stripe.String(behavior),
		Items: []*stripe.SubscriptionItemsParams{{ID: stripe.String(sub.Items.Data[0].ID), Price: stripe.String(price)}}}
	if _, err := g.api.Subscriptions.Update(subscriptionID, p); err != nil {
		return fmt.Errorf("stripe: change subscription price: %w", err)
	}
	return nil
}

// event is a verified Stripe event, reduced to what we act on.
type event struct {
	ID      string
	Type    string
	Created time.Time
	raw     json.RawMessage
}

// parseEvent verifies the signature (and its timestamp, within Stripe's
// default tolerance of five minutes) and the API version.
func parseEvent(payload []byte, header, secret string) (*event, error) {
	ev, err := webhook.ConstructEvent(payload, header, secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if ev.Data == nil {
		return nil, fmt.Errorf("%w: event without data", ErrBadSignature)
	}
	return &event{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC(), raw: ev.Data.Raw}, nil
}

// The objects of the events we handle, decoded with stripe-go's types.
type (
	stripeSubscription = stripe.Subscription
	stripeInvoice      = stripe.Invoice
	stripeCheckout     = stripe.CheckoutSession
)

func (e *event) decode(dst any) error { return json.Unmarshal(e.raw, dst) }

// customerID reads an expandable customer reference.
func customerID(c *stripe.Customer) string {
	if c == nil {
		return ""
	}
	return c.ID
}

func subscriptionID(s *stripe.Subscription) string {
	if s == nil {
		return ""
	}
	return s.ID
}

// priceOf is the Price ID of a subscription's first item.
func priceOf(s *stripe.Subscription) string {
	if s.Items == nil || len(s.Items.Data) == 0 || s.Items.Data[0].Price == nil {
		return ""
	}
	return s.Items.Data[0].Price.ID
}
