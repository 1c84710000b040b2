// Package builtin ships the default model inside the binary so deepdream
// works offline with no files around it: InceptionV3 truncated at mixed7, as
// a frozen TensorFlow GraphDef. See PROVENANCE.md beside this file for where
// the weights come from and the MIT notice that travels with them.
package builtin

import _ "embed"

//go:embed inception_v3_mixed7.pb
var inceptionV3 []byte

// InceptionV3SHA256 is the SHA-256 of the embedded GraphDef.
const InceptionV3SHA256 = "a9f5a03cb197f16a538a4619615317265d430f7a9cf86c8df38d58ca0556c69e"

// InceptionV3 returns the embedded GraphDef bytes. Callers must not modify them.
func InceptionV3() []byte { return inceptionV3 }
