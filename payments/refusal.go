package payments

import (
	"sort"
	"strings"
)

// Kind says what sort of "no" a refusal is, so callers can react without
// reading codes: the web layer turns it into an HTTP status, tests and the
// audit log read it as is. The set is closed.
type Kind string

// The kinds of refusal.
const (
	// Invalid: the input is wrong; the person corrects the form.
	Invalid Kind = "invalid"
	// Forbidden: this person may not do this.
	Forbidden Kind = "forbidden"
	// NotFound: the thing asked about does not exist (here or at Omise).
	NotFound Kind = "not_found"
	// Conflict: the thing's state does not allow it (now or any more).
	Conflict Kind = "conflict"
	// Unavailable: Omise is busy, unreachable or has not answered yet; the
	// same request may succeed later.
	Unavailable Kind = "unavailable"
	// TooMany: a limit on attempts was reached; wait.
	TooMany Kind = "too_many"
	// Upstream: Omise refused for a reason on our side (keys, a request
	// shape); a person must fix settings, retrying does not help.
	Upstream Kind = "upstream"
)

// Refusal is the domain's one way to say no: a stable code for programs
// and tests, the form field at fault ("" for the whole request), the kind,
// and the values that fill the message's placeholders. The words are not
// here: they are in the i18n catalogs under MessageID, in Thai and English.
// A form refused in several fields at once is one refusal whose Fields
// hold each field's own. A refusal never carries internal error text.
type Refusal struct {
	Code  string
	Field string
	Kind  Kind
	// Args fill the message's placeholders. A value of type Phrase is
	// itself a catalog id, shown in the reader's language.
	Args map[string]any
	// Msg is the catalog id when it is not "refusal." + Code (several codes
	// share one sentence, or one code reads differently by context).
	Msg string
	// Fields, when the form was refused field by field, maps each field
	// to its own refusal; this refusal is then the summary.
	Fields map[string]*Refusal
	// Ref is the id of what stands in the way, when the person can act on
	// it: the open sale that keeps a terminal busy, for the cashier to open
	// or cancel.
	Ref string
}

// Phrase is a catalog id used as a placeholder value: the catalog shows it
// in the language of the sentence around it.
type Phrase string

// CatalogID is the phrase's catalog id.
func (p Phrase) CatalogID() string { return string(p) }

// MessageID is the catalog id of the refusal's sentence.
func (r *Refusal) MessageID() string {
	if r.Msg != "" {
		return r.Msg
	}
	return "refusal." + r.Code
}

// Error names the codes and fields, never the person's input.
func (r *Refusal) Error() string {
	var b strings.Builder
	b.WriteString("payments: refused: ")
	b.WriteString(r.Code)
	if r.Field != "" {
		b.WriteString(" (" + r.Field + ")")
	}
	if len(r.Fields) > 0 {
		keys := make([]string, 0, len(r.Fields))
		for k, f := range r.Fields {
			keys = append(keys, k+"="+f.Code)
		}
		sort.Strings(keys)
		b.WriteString(": " + strings.Join(keys, ", "))
	}
	return b.String()
}

// CodeInvalidInput is the code of a form refused field by field.
const CodeInvalidInput = "invalid_input"

// refuseFields is a till sale form refused field by field: the summary
// sentence asks to correct the marked fields, each field says its own.
func refuseFields(fields map[string]*Refusal) *Refusal {
	return &Refusal{Code: CodeInvalidInput, Kind: Invalid, Msg: "till.form_errors", Fields: fields}
}

// refuse builds a refusal whose sentence is "refusal." + code.
func refuse(kind Kind, code, field string, args map[string]any) *Refusal {
	return &Refusal{Code: code, Field: field, Kind: kind, Args: args}
}
