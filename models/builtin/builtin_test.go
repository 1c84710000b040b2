package builtin

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestEmbeddedModelIntact(t *testing.T) {
	sum := sha256.Sum256(InceptionV3())
	if got := hex.EncodeToString(sum[:]); got != InceptionV3SHA256 {
		t.Fatalf("embedded model SHA-256 %s, want %s", got, InceptionV3SHA256)
	}
}
