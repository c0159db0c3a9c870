package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/identity"
)

// The documents endpoints (docs/spec/documents.md, section 8): issuers
// register, keep the building register and issue, version, revoke and
// erase documents; residents list and download their own documents, share
// one through a revocable code, and fetch their proof of being (or not
// being) among a notice's recipients; anyone opens a share code and checks
// a document file against the board. Nothing here answers with or logs a
// document's content, title, salt or a share code, and an id that exists
// but is another's is answered like one that does not exist.

// documentsAPI serves the endpoints from svc; nil answers 404
// no-documents-service.
type documentsAPI struct {
	s   *Server
	svc *documents.Service

	mu  sync.Mutex
	reg *documents.Registry // the documents topic as last read, for verify
}

// registry returns the documents topic, read on from where the last call
// left it.
func (d *documentsAPI) registry(ctx context.Context) (*documents.Registry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var reg *documents.Registry
	var err error
	if d.reg != nil {
		reg, err = d.reg.Update(ctx, d.s.Board)
	} else {
		reg, err = documents.ReadRegistry(ctx, d.s.Board, documents.Topic())
	}
	if err != nil {
		return nil, err
	}
	d.reg = reg
	return reg, nil
}

// documentsRoutes mounts the documents endpoints on the /api/v1 router.
// Handlers whose path names a document or building read it (pathID)
// before the body: a malformed id is a 404, whatever the body.
func (s *Server) documentsRoutes(r chi.Router, svc *documents.Service) {
	d := &documentsAPI{s: s, svc: svc}
	c := &city{s: s, ready: d.ready, fail: d.fail}
	r.Post("/issuers", authedWithBody(c, http.StatusCreated, d.registerIssuer))
	r.Get("/buildings", authed(c, http.StatusOK, d.buildings))
	r.Post("/buildings", authedWithBody(c, http.StatusCreated, d.registerBuilding))
	r.Get("/buildings/{id}", authed(c, http.StatusOK, d.building))
	r.Post("/buildings/{id}/occupancies", authed(c, http.StatusNoContent, d.addOccupancy))
	r.Post("/buildings/{id}/notices", authed(c, http.StatusCreated, d.issueNotice))
	r.Post("/documents", authedWithBody(c, http.StatusCreated, d.issue))
	r.Get("/documents/issued", authed(c, http.StatusOK, d.issued))
	r.Post("/documents/{id}/versions", authed(c, http.StatusCreated, d.newVersion))
	r.Post("/documents/{id}/revocation", authed(c, http.StatusNoContent, d.revoke))
	r.Delete("/documents/{id}", authed(c, http.StatusNoContent, d.erase))
	r.Post("/documents/verify", d.verify)
	r.Get("/documents/distributions/{series}/{version}/proof", authed(c, http.StatusOK, d.membership))
	r.Get("/me/properties", authed(c, http.StatusOK, d.properties))
	r.Get("/me/documents", authed(c, http.StatusOK, d.received))
	r.Get("/me/documents/{id}", authed(c, http.StatusOK, d.get))
	r.Get("/me/documents/{id}/file", d.download)
	r.Get("/me/documents/{id}/shares", authed(c, http.StatusOK, d.shares))
	r.Post("/me/documents/{id}/shares", authed(c, http.StatusCreated, d.share))
	r.Delete("/me/documents/{id}/shares/{share}", authed(c, http.StatusNoContent, d.unshare))
	r.Get("/shared/{code}", d.shared)
}

// ready refuses every request without a service.
func (d *documentsAPI) ready(w http.ResponseWriter, r *http.Request) bool {
	if d.svc == nil {
		problem(w, http.StatusNotFound, "no-documents-service", "This server has no documents service", "")
		return false
	}
	return true
}

// fail maps the documents service's errors to problems.
func (d *documentsAPI) fail(w http.ResponseWriter, err error) {
	if bodyProblem(w, err) {
		return
	}
	switch {
	case errors.Is(err, documents.ErrMalformed):
		problem(w, http.StatusBadRequest, "invalid-document-request", "Invalid request", err.Error())
	case errors.Is(err, documents.ErrNoIssuer):
		problem(w, http.StatusForbidden, "not-an-issuer", "You are not a registered issuer", "register with POST /api/v1/issuers first")
	case errors.Is(err, documents.ErrForbidden):
		problem(w, http.StatusForbidden, "forbidden", "Not permitted", err.Error())
	case errors.Is(err, documents.ErrNotFound):
		problem(w, http.StatusNotFound, "not-found", "No such resource", "")
	case errors.Is(err, documents.ErrConflict), errors.Is(err, documents.ErrNoRecipients):
		problem(w, http.StatusConflict, "conflict", "Conflicts with the current state", err.Error())
	case errors.Is(err, documents.ErrNotAnchored):
		w.Header().Set("Retry-After", "5")
		problem(w, http.StatusServiceUnavailable, "not-anchored", "The document is not on the board yet", "try again shortly")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		problem(w, http.StatusServiceUnavailable, "unavailable", "The request was not completed in time", "")
	default:
		d.s.Log.Error("documents request failed", "err", err)
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
	}
}

// pathID reads the {id} path parameter; a malformed id is not found.
func pathID(r *http.Request) (documents.ID, error) {
	id, err := documents.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return id, documents.ErrNotFound
	}
	return id, nil
}

type issuerRequest struct {
	Name string `json:"name"`
}

func (d *documentsAPI) registerIssuer(r *http.Request, p *identity.Principal, req *issuerRequest) (any, error) {
	iss, err := d.svc.RegisterIssuer(r.Context(), p.Resident, req.Name)
	if err != nil {
		return nil, err
	}
	return map[string]string{"name": iss.Name, "public_key": hex.EncodeToString(iss.Key.Bytes())}, nil
}

type buildingRequest struct {
	Address string `json:"address"`
}

type occupancyJSON struct {
	Building string    `json:"building"`
	Address  string    `json:"address"`
	Unit     string    `json:"unit"`
	Resident string    `json:"resident"`
	Relation string    `json:"relation"`
	Since    time.Time `json:"since"`
}

func occupanciesJSON(os []documents.Occupancy) []occupancyJSON {
	out := make([]occupancyJSON, 0, len(os))
	for _, o := range os {
		out = append(out, occupancyJSON{Building: o.Building.String(), Address: o.Address, Unit: o.Unit,
			Resident: o.Resident.String(), Relation: o.Relation.String(), Since: o.Since})
	}
	return out
}

func (d *documentsAPI) registerBuilding(r *http.Request, p *identity.Principal, req *buildingRequest) (any, error) {
	id, err := d.svc.RegisterBuilding(r.Context(), p.Resident, req.Address)
	if err != nil {
		return nil, err
	}
	return map[string]string{"building": id.String()}, nil
}

func (d *documentsAPI) buildings(r *http.Request, p *identity.Principal) (any, error) {
	bs, err := d.svc.Buildings(r.Context(), p.Resident)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, map[string]string{"building": b.ID.String(), "address": b.Address})
	}
	return map[string]any{"buildings": out}, nil
}

func (d *documentsAPI) building(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	b, err := d.svc.Building(r.Context(), p.Resident, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"building": b.ID.String(), "address": b.Address, "occupancies": occupanciesJSON(b.Occupancies)}, nil
}

type occupancyRequest struct {
	Identifier string `json:"identifier"` // the resident's identifier
	Unit       string `json:"unit"`
	Relation   string `json:"relation"` // "owner" or "resident"
}

func (d *documentsAPI) addOccupancy(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var req occupancyRequest
	if err := decodeStrict(r, &req); err != nil {
		return nil, err
	}
	rel, err := documents.ParseRelation(req.Relation)
	if err != nil {
		return nil, err
	}
	who, err := d.lookup(r, p, req.Identifier)
	if err != nil {
		return nil, err
	}
	return nil, d.svc.AddOccupancy(r.Context(), p.Resident, id, req.Unit, who, rel)
}

// lookup finds a resident by identifier for an issuer or administrator;
// anyone else gets 403 first, so the endpoint does not tell residents who
// is registered.
func (d *documentsAPI) lookup(r *http.Request, p *identity.Principal, identifier string) (identity.ResidentID, error) {
	if !p.Roles.Has(identity.RoleDocumentIssuer) && !p.Roles.Has(identity.RoleAdministrator) {
		return identity.ResidentID{}, &problemError{http.StatusForbidden, "forbidden", "Not permitted", "needs the role document-issuer or administrator"}
	}
	d.s.ident.mu.RLock()
	ident := d.s.ident.svc // the service that authenticated p, unless SetIdentity has just removed it
	d.s.ident.mu.RUnlock()
	if ident == nil {
		return identity.ResidentID{}, &problemError{http.StatusNotFound, "no-identity-service", "This server has no identity service", ""}
	}
	id, err := ident.Lookup(r.Context(), identifier)
	if err != nil {
		return id, &problemError{http.StatusNotFound, "unknown-resident", "No resident has this identifier", ""}
	}
	return id, nil
}

type draftRequest struct {
	Recipient  string     `json:"recipient,omitempty"` // identifier; only for POST /documents
	Type       string     `json:"type"`
	Title      string     `json:"title"`
	MediaType  string     `json:"media_type"`
	Content    string     `json:"content"` // standard base64
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
}

func (req *draftRequest) draft(now time.Time) (documents.Draft, error) {
	var d documents.Draft
	t, err := documents.ParseType(req.Type)
	if err != nil {
		return d, err
	}
	content, err := base64.StdEncoding.Strict().DecodeString(req.Content)
	if err != nil {
		return d, errMissing("content: standard base64")
	}
	d = documents.Draft{Type: t, Title: req.Title, MediaType: req.MediaType, Content: content, ValidFrom: now}
	if req.ValidFrom != nil {
		d.ValidFrom = *req.ValidFrom
	}
	if req.ValidUntil != nil {
		d.ValidUntil = *req.ValidUntil
	}
	return d, nil
}

type documentJSON struct {
	ID         string     `json:"id"`
	Series     string     `json:"series"`
	Version    uint32     `json:"version"`
	Latest     uint32     `json:"latest_version"`
	Type       string     `json:"type"`
	Title      string     `json:"title,omitempty"`
	MediaType  string     `json:"media_type,omitempty"`
	Issuer     string     `json:"issuer"`
	ValidFrom  time.Time  `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	Issued     time.Time  `json:"issued"`
	Revoked    *time.Time `json:"revoked,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	Erased     *time.Time `json:"erased,omitempty"`
	Building   string     `json:"building,omitempty"`
	Seq        *uint64    `json:"seq,omitempty"`
	Commitment string     `json:"commitment"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func docJSON(doc *documents.Document) documentJSON {
	out := documentJSON{ID: doc.ID.String(), Series: doc.Series.String(), Version: doc.Version, Latest: doc.Latest,
		Type: doc.Type.String(), Title: doc.Title, MediaType: doc.MediaType, Issuer: doc.Issuer, ValidFrom: doc.ValidFrom,
		ValidUntil: timePtr(doc.ValidUntil), Issued: doc.Issued, Revoked: timePtr(doc.Revoked), Erased: timePtr(doc.Erased),
		Seq: doc.Seq, Commitment: hex.EncodeToString(doc.Commitment[:])}
	if !doc.Revoked.IsZero() {
		out.Reason = doc.Reason.String()
	}
	if doc.Building != nil {
		out.Building = doc.Building.String()
	}
	return out
}

func docsJSON(ds []documents.Document) []documentJSON {
	out := make([]documentJSON, 0, len(ds))
	for i := range ds {
		out = append(out, docJSON(&ds[i]))
	}
	return out
}

func (d *documentsAPI) issue(r *http.Request, p *identity.Principal, req *draftRequest) (any, error) {
	draft, err := req.draft(time.Now())
	if err != nil {
		return nil, err
	}
	if !p.Roles.Has(identity.RoleDocumentIssuer) {
		return nil, &problemError{http.StatusForbidden, "forbidden", "Not permitted", "needs the role document-issuer"}
	}
	who, err := d.lookup(r, p, req.Recipient)
	if err != nil {
		return nil, err
	}
	doc, err := d.svc.Issue(r.Context(), p.Resident, who, draft)
	if err != nil {
		return nil, err
	}
	return docJSON(doc), nil
}

func (d *documentsAPI) issueNotice(r *http.Request, p *identity.Principal) (any, error) {
	return d.issueFromDraft(r, p, "recipient: a notice goes to the building's owners", d.svc.IssueToOwners)
}

func (d *documentsAPI) newVersion(r *http.Request, p *identity.Principal) (any, error) {
	return d.issueFromDraft(r, p, "recipient: a new version goes to the same recipients", d.svc.NewVersion)
}

// issueFromDraft serves the requests that issue a document from a draft to
// recipients the path names (a building's owners, an earlier version's):
// a recipient in the body is refused with noRecipient.
func (d *documentsAPI) issueFromDraft(r *http.Request, p *identity.Principal, noRecipient string,
	issue func(context.Context, identity.ResidentID, documents.ID, documents.Draft) (*documents.Document, error)) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var req draftRequest
	if err := decodeStrict(r, &req); err != nil {
		return nil, err
	}
	if req.Recipient != "" {
		return nil, errMissing(noRecipient)
	}
	draft, err := req.draft(time.Now())
	if err != nil {
		return nil, err
	}
	doc, err := issue(r.Context(), p.Resident, id, draft)
	if err != nil {
		return nil, err
	}
	return docJSON(doc), nil
}

func (d *documentsAPI) issued(r *http.Request, p *identity.Principal) (any, error) {
	ds, err := d.svc.Issued(r.Context(), p.Resident)
	if err != nil {
		return nil, err
	}
	return map[string]any{"documents": docsJSON(ds)}, nil
}

type revokeRequest struct {
	Reason string `json:"reason"`
}

func (d *documentsAPI) revoke(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var req revokeRequest
	if err := decodeStrict(r, &req); err != nil {
		return nil, err
	}
	reason, err := documents.ParseReason(req.Reason)
	if err != nil {
		return nil, err
	}
	return nil, d.svc.Revoke(r.Context(), p.Resident, id, reason)
}

func (d *documentsAPI) erase(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return nil, d.svc.Erase(r.Context(), p.Resident, id)
}

func (d *documentsAPI) properties(r *http.Request, p *identity.Principal) (any, error) {
	os, err := d.svc.Properties(r.Context(), p.Resident)
	if err != nil {
		return nil, err
	}
	return map[string]any{"properties": occupanciesJSON(os)}, nil
}

func (d *documentsAPI) received(r *http.Request, p *identity.Principal) (any, error) {
	ds, err := d.svc.Received(r.Context(), p.Resident)
	if err != nil {
		return nil, err
	}
	return map[string]any{"documents": docsJSON(ds)}, nil
}

func (d *documentsAPI) get(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	doc, err := d.svc.Get(r.Context(), p.Resident, id)
	if err != nil {
		return nil, err
	}
	return docJSON(doc), nil
}

// writeFile answers with a document file as an attachment.
func writeFile(w http.ResponseWriter, f *documents.File, name string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.veche-document.json"`)
	w.Write(f.Bytes())
}

// download answers a file, not JSON, so it is not adapted (handle.go).
func (d *documentsAPI) download(w http.ResponseWriter, r *http.Request) {
	if !d.ready(w, r) {
		return
	}
	_, p, ok := d.s.principal(w, r)
	if !ok {
		return
	}
	id, err := pathID(r)
	if err != nil {
		d.fail(w, err)
		return
	}
	f, err := d.svc.Download(r.Context(), p.Resident, id)
	if err != nil {
		d.fail(w, err)
		return
	}
	writeFile(w, f, f.Series+"-v"+strconv.FormatUint(uint64(f.Version), 10))
}

type shareRequest struct {
	TTLSeconds int64 `json:"ttl_seconds"`
}

type shareJSON struct {
	Share   string     `json:"share"`
	Code    string     `json:"code,omitempty"` // only when created
	Path    string     `json:"path,omitempty"` // only when created: GET it to download
	Created time.Time  `json:"created"`
	Expires time.Time  `json:"expires"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

func (d *documentsAPI) share(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var req shareRequest
	if err := decodeStrict(r, &req); err != nil {
		return nil, err
	}
	if req.TTLSeconds <= 0 || req.TTLSeconds > int64(documents.MaxShareTTL/time.Second) {
		return nil, errMissing("ttl_seconds: from 1 to " + strconv.FormatInt(int64(documents.MaxShareTTL/time.Second), 10))
	}
	code, sh, err := d.svc.Share(r.Context(), p.Resident, id, time.Duration(req.TTLSeconds)*time.Second)
	if err != nil {
		return nil, err
	}
	return shareJSON{Share: sh.ShareID(), Code: code, Path: "/api/v1/shared/" + code, Created: sh.Created, Expires: sh.Expires}, nil
}

func (d *documentsAPI) shares(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ss, err := d.svc.Shares(r.Context(), p.Resident, id)
	if err != nil {
		return nil, err
	}
	out := make([]shareJSON, 0, len(ss))
	for _, sh := range ss {
		out = append(out, shareJSON{Share: sh.ShareID(), Created: sh.Created, Expires: sh.Expires, Revoked: timePtr(sh.Revoked)})
	}
	return map[string]any{"shares": out}, nil
}

func (d *documentsAPI) unshare(r *http.Request, p *identity.Principal) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return nil, d.svc.Unshare(r.Context(), p.Resident, id, chi.URLParam(r, "share"))
}

// shared needs no login: the code is the authority. It answers a file,
// not JSON, so it is not adapted (handle.go).
func (d *documentsAPI) shared(w http.ResponseWriter, r *http.Request) {
	if !d.ready(w, r) {
		return
	}
	f, err := d.svc.Shared(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		d.fail(w, err)
		return
	}
	writeFile(w, f, f.Series+"-v"+strconv.FormatUint(uint64(f.Version), 10))
}

type stepJSON struct {
	Index uint32   `json:"index"`
	Value string   `json:"value"`
	Path  []string `json:"path"`
}

func stepOut(s *documents.Step) *stepJSON {
	if s == nil {
		return nil
	}
	out := &stepJSON{Index: s.Index, Value: hex.EncodeToString(s.Value[:]), Path: []string{}}
	for _, h := range s.Path {
		out.Path = append(out.Path, hex.EncodeToString(h[:]))
	}
	return out
}

// membership answers the bearer's proof of being, or not being, among the
// recipients of a distributed notice, to be checked against the board's
// doc-distribution entry.
func (d *documentsAPI) membership(r *http.Request, p *identity.Principal) (any, error) {
	series, err := documents.ParseSeries(chi.URLParam(r, "series"))
	version, verr := strconv.ParseUint(chi.URLParam(r, "version"), 10, 32)
	if err != nil || verr != nil || version == 0 {
		return nil, documents.ErrNotFound
	}
	proof, dist, err := d.svc.Membership(r.Context(), p.Resident, series, uint32(version))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"series": series.String(), "version": version, "count": dist.Count, "root": hex.EncodeToString(dist.Root[:]),
		"leaf": hex.EncodeToString(proof.Leaf[:]), "member": proof.Member, "lower": stepOut(proof.Lower), "upper": stepOut(proof.Upper),
	}, nil
}

// verify checks a document file (the request body) against the board the
// server reads. Anyone may call it; veche documents verify does the same
// against a node of one's choosing.
func (d *documentsAPI) verify(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		problem(w, http.StatusUnsupportedMediaType, "malformed-request", "Malformed request", "send the document file as application/json")
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, documents.MaxFileSize+1))
	if err != nil || len(b) > documents.MaxFileSize {
		problem(w, http.StatusBadRequest, "invalid-document-file", "Invalid document file", "a document file is at most "+strconv.Itoa(documents.MaxFileSize)+" bytes")
		return
	}
	f, err := documents.ParseFile(b)
	if err != nil {
		problem(w, http.StatusBadRequest, "invalid-document-file", "Invalid document file", err.Error())
		return
	}
	var v *documents.Verdict
	if f.Topic == documents.Topic().String() {
		var reg *documents.Registry
		if reg, err = d.registry(r.Context()); err == nil {
			v, err = reg.VerifyFile(f, time.Now())
		}
	} else {
		v, err = documents.VerifyFile(r.Context(), d.s.Board, f, time.Now())
	}
	if err != nil {
		d.s.Log.Error("verifying a document file", "err", err)
		problem(w, http.StatusBadGateway, "board-error", "The board could not be read", "")
		return
	}
	writeJSON(w, VerdictJSON(v))
}

// VerdictJSON is the JSON form of a verdict, as POST
// /api/v1/documents/verify answers and veche documents verify --json prints.
func VerdictJSON(v *documents.Verdict) map[string]any {
	out := map[string]any{"authentic": v.Authentic, "checked": v.Checked}
	if !v.Authentic {
		out["problem"] = v.Problem
		return out
	}
	st, a := v.Status, v.Status.Anchor.Anchor
	out["issuer"] = st.Issuer
	out["issuer_key"] = hex.EncodeToString(a.Issuer.Bytes())
	out["type"] = a.Type.String()
	out["series"] = a.Series.String()
	out["version"] = a.Version
	out["latest_version"] = st.LatestVersion
	out["current"] = st.Current
	out["revoked"] = st.Revoked()
	out["in_force"] = v.InForce
	out["seq"] = st.Anchor.Seq
	out["valid_from"] = a.ValidFrom
	if !a.ValidUntil.IsZero() {
		out["valid_until"] = a.ValidUntil
	}
	if st.Revocation != nil {
		out["revoked_at"] = st.Revocation.Revocation.RevokedAt
		out["reason"] = st.Revocation.Revocation.Reason.String()
	}
	if st.Distribution != nil {
		out["recipients"] = st.Distribution.Distribution.Count
	}
	return out
}
