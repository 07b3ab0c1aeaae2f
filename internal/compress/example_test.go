package compress_test

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

func ExampleByID() {
	codec := compress.ByID(compress.IDSnappy) // from a batch's attributes
	comp, err := codec.Compress(nil, []byte("hello, hello, hello, kafka"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("xerial magic: % x\n", comp[:8])
	out, err := codec.Decompress(nil, comp)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// xerial magic: 82 53 4e 41 50 50 59 00
	// hello, hello, hello, kafka
}
