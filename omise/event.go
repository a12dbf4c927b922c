package omise

import (
	"encoding/json"
	"errors"
)

// DecodeEvent decodes a webhook body. It insists on a JSON object with
// "object":"event" and an id, because the handler's next step is to look
// the event's charge up, and a body that is not an event must not get that far.
// The body is not trusted beyond that: callers re-fetch the charge.
func DecodeEvent(body []byte) (*Event, error) {
	var head struct {
		Object string `json:"object"`
		ID     string `json:"id"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, errors.New("omise: webhook body is not a JSON object")
	}
	if head.Object != "event" {
		return nil, errors.New("omise: webhook body is not an event")
	}
	if head.ID == "" {
		return nil, errors.New("omise: webhook event has no id")
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, errors.New("omise: cannot decode webhook event: " + typeErrorText(err))
	}
	return &e, nil
}
