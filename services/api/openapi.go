package api

import (
	_ "embed"
	"net/http"
)

// openapiDoc is the OpenAPI 3 description of the API, served at
// /api/v1/openapi.json; a test checks that every route is in it.
//
//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiDoc)
}
