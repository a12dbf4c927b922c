package omise

import "errors"

// DecodeEvent decodes a webhook body. It insists on a JSON object with
// "object":"event" and an id, because the handler's next step is to look
// the event's charge up, and a body that is not an event must not get that far.
// The body is not trusted beyond that: callers re-fetch the charge.
func DecodeEvent(body []byte) (*Event, error) {
	var e Event
	if err := e.UnmarshalJSON(body); err != nil {
		return nil, errors.New("omise: webhook body is not a valid event: " + typeErrorText(err))
	}
	if e.Object != "event" {
		return nil, errors.New("omise: webhook body is not an event")
	}
	if e.ID == "" {
		return nil, errors.New("omise: webhook event has no id")
	}
	return &e, nil
}
