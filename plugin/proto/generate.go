// Package proto holds the generated gRPC protocol between the tfy-secrets host
// and its plugin (service.proto). Only the shims in package plugin use it;
// nothing else should import it, and nothing here may be edited by hand.
package proto

// The code generators are pinned in go.mod as tools, so this line gives the
// same output on every machine that has protoc 3.21.
//go:generate sh -c "protoc --plugin=protoc-gen-go=\"$(go tool -n protoc-gen-go)\" --plugin=protoc-gen-go-grpc=\"$(go tool -n protoc-gen-go-grpc)\" --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative service.proto"
