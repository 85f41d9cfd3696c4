extension DefaultKernels {
    /// Matrix multiplication for float64 and integer element types (and float32 cases the
    /// packed path does not cover): a straightforward i-k-j loop the compiler vectorises.
    enum GenericGemm {
        /// `C[m, n] = A[m, k] * B[k, n]` with all three row-major and contiguous.
        static func multiply<N: NumericType>(_ type: N.Type, m: Int, n: Int, k: Int,
                                             a: UnsafePointer<N.Scalar>, b: UnsafePointer<N.Scalar>,
                                             c: UnsafeMutablePointer<N.Scalar>) {
            c.initialize(repeating: N.zero, count: m * n)
            for i in 0..<m {
                let cRow = c + i * n
                let aRow = a + i * k
                for p in 0..<k {
                    let scale = aRow[p]
                    let bRow = b + p * n
                    for j in 0..<n { cRow[j] = N.add(cRow[j], N.multiply(scale, bRow[j])) }
                }
            }
        }

        /// The row-major transpose of a `[rows, columns]` matrix.
        static func transposed<T>(_ values: UnsafePointer<T>, rows: Int, columns: Int) -> [T] {
            makeArray(count: rows * columns) { (out: UnsafeMutablePointer<T>) in
                for row in 0..<rows {
                    for column in 0..<columns {
                        (out + column * rows + row).initialize(to: values[row * columns + column])
                    }
                }
            }
        }
    }
}
