package omisehttp

import (
	"errors"
	"net/url"
	"strconv"
	"time"

	"instore/omise"
)

// maxListLimit is the largest page Omise serves.
const maxListLimit = 100

// listValues encodes list parameters for the query string; zero values are left
// out so Omise applies its own defaults.
func listValues(p omise.ListParams) url.Values {
	v := url.Values{}
	if !p.From.IsZero() {
		v.Set("from", p.From.UTC().Format(time.RFC3339))
	}
	if !p.To.IsZero() {
		v.Set("to", p.To.UTC().Format(time.RFC3339))
	}
	if p.Offset > 0 {
		v.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(p.Limit, maxListLimit)))
	}
	if p.Order != "" {
		v.Set("order", p.Order)
	}
	return v
}

// sourceFields writes the source fields under prefix: "" for POST /sources,
// "source" for an inline source on POST /charges (source[type]=...). Empty
// fields are left out: which ones a source type takes is the caller's
// choice (payments' method registry), since Omise may answer 400 for
// parameters it does not document for a type.
func sourceFields(v url.Values, prefix string, p omise.CreateSourceParams) {
	key := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "[" + name + "]"
	}
	set := func(name, val string) {
		if val != "" {
			v.Set(key(name), val)
		}
	}
	set("type", p.Type)
	set("barcode", p.Barcode)
	set("store_id", p.StoreID)
	set("store_name", p.StoreName)
	set("terminal_id", p.TerminalID)
}

// metadataFields writes metadata[k]=v; url.Values.Encode sorts the keys.
func metadataFields(v url.Values, md map[string]string) {
	for k, val := range md {
		v.Set("metadata["+k+"]", val)
	}
}

// sourceForm encodes POST /sources.
func sourceForm(p omise.CreateSourceParams) url.Values {
	v := url.Values{}
	sourceFields(v, "", p)
	v.Set("amount", strconv.FormatInt(p.Amount, 10))
	if p.Currency != "" {
		v.Set("currency", p.Currency)
	}
	return v
}

// chargeForm encodes POST /charges. Exactly one of SourceID and InlineSource must
// be set, because Omise would otherwise pick one silently or reject the call
// after we have already spent a round trip.
func chargeForm(p omise.CreateChargeParams) (url.Values, error) {
	if (p.SourceID == "") == (p.InlineSource == nil) {
		return nil, errors.New("omise: CreateCharge needs exactly one of SourceID and InlineSource")
	}
	v := url.Values{}
	v.Set("amount", strconv.FormatInt(p.Amount, 10))
	if p.Currency != "" {
		v.Set("currency", p.Currency)
	}
	if p.SourceID != "" {
		v.Set("source", p.SourceID)
	} else {
		sourceFields(v, "source", *p.InlineSource)
	}
	if p.Description != "" {
		v.Set("description", p.Description)
	}
	metadataFields(v, p.Metadata)
	return v, nil
}

// refundForm encodes POST /charges/:id/refunds.
func refundForm(p omise.CreateRefundParams) url.Values {
	v := url.Values{}
	v.Set("amount", strconv.FormatInt(p.Amount, 10))
	if p.Void {
		v.Set("void", "true")
	}
	metadataFields(v, p.Metadata)
	return v
}
