extension DefaultKernels {
    /// Float32 products with at most four output columns (an MLP's output layer, a regressor's
    /// single output), where the 8-column panels of `FloatGemm` would mostly multiply padding.
    /// Each output is a dot product of a row of A with a row of Bᵀ, vectorised along K.
    enum NarrowGemm {
        static let maxColumns = 4

        typealias Vector = SIMD8<Float>

        @inline(__always)
        static func load(_ pointer: UnsafePointer<Float>) -> Vector {
            UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
        }

        @inline(__always)
        static func write(_ value: Float, to target: UnsafeMutablePointer<Float>, alpha: Float, accumulate: Bool) {
            target.pointee = accumulate ? target.pointee + alpha * value : alpha * value
        }

        /// `C[m, n] (+)= alpha * A[m, k] * B` with `transposed` holding Bᵀ as packed by `PackedMatrix`.
        static func multiply(rows m: Int, a: UnsafePointer<Float>, aStride: Int, transposed: UnsafePointer<Float>,
                             k: Int, n: Int, c: UnsafeMutablePointer<Float>, cStride: Int, alpha: Float, accumulate: Bool) {
            let vectorDepth = k - k % 8
            if n == 1 {
                // Four rows against the single column per pass.
                var row = 0
                while row + 4 <= m {
                    let a0 = a + row * aStride, a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride
                    var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
                    var p = 0
                    while p < vectorDepth {
                        let b = load(transposed + p)
                        s0 += load(a0 + p) * b
                        s1 += load(a1 + p) * b
                        s2 += load(a2 + p) * b
                        s3 += load(a3 + p) * b
                        p += 8
                    }
                    var t0 = s0.sum(), t1 = s1.sum(), t2 = s2.sum(), t3 = s3.sum()
                    while p < k {
                        let b = transposed[p]
                        t0 += a0[p] * b
                        t1 += a1[p] * b
                        t2 += a2[p] * b
                        t3 += a3[p] * b
                        p += 1
                    }
                    write(t0, to: c + row * cStride, alpha: alpha, accumulate: accumulate)
                    write(t1, to: c + (row + 1) * cStride, alpha: alpha, accumulate: accumulate)
                    write(t2, to: c + (row + 2) * cStride, alpha: alpha, accumulate: accumulate)
                    write(t3, to: c + (row + 3) * cStride, alpha: alpha, accumulate: accumulate)
                    row += 4
                }
                while row < m {
                    let aRow = a + row * aStride
                    var s = Vector()
                    var p = 0
                    while p < vectorDepth {
                        s += load(aRow + p) * load(transposed + p)
                        p += 8
                    }
                    var t = s.sum()
                    while p < k {
                        t += aRow[p] * transposed[p]
                        p += 1
                    }
                    write(t, to: c + row * cStride, alpha: alpha, accumulate: accumulate)
                    row += 1
                }
                return
            }
            // One row against four (zero-padded) columns per pass.
            let b0 = transposed, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k
            for row in 0..<m {
                let aRow = a + row * aStride
                var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
                var p = 0
                while p < vectorDepth {
                    let x = load(aRow + p)
                    s0 += x * load(b0 + p)
                    s1 += x * load(b1 + p)
                    s2 += x * load(b2 + p)
                    s3 += x * load(b3 + p)
                    p += 8
                }
                var totals = SIMD4<Float>(s0.sum(), s1.sum(), s2.sum(), s3.sum())
                while p < k {
                    totals += SIMD4(repeating: aRow[p]) * SIMD4(b0[p], b1[p], b2[p], b3[p])
                    p += 1
                }
                let target = c + row * cStride
                for column in 0..<n { write(totals[column], to: target + column, alpha: alpha, accumulate: accumulate) }
            }
        }
    }
}
