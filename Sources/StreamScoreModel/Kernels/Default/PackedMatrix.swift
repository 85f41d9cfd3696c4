extension DefaultKernels {
    /// The right-hand matrix of a float32 product, repacked into column panels of
    /// `FloatGemm.panelWidth` columns: panel `p` holds, for each row `k`, the 8 values
    /// `B[k, 8p ..< 8p+8]` contiguously (zero padded past column `columns`). The micro-kernel
    /// then reads B strictly sequentially. Built once at load time for constant weights.
    struct PackedMatrix: Sendable {
        /// K: the shared (reduction) dimension.
        let rows: Int
        /// N: the output columns.
        let columns: Int
        /// `panelCount * rows * panelWidth` floats.
        let storage: [Float]
        /// For narrow products (at most `NarrowGemm.maxColumns` columns): Bᵀ, one row of `rows`
        /// floats per output column, padded with zero rows to `NarrowGemm.maxColumns` (except a
        /// single column, which stays one row).
        let transposedColumns: [Float]?

        var panelCount: Int { (columns + FloatGemm.panelWidth - 1) / FloatGemm.panelWidth }

        /// Packs a `[rows, columns]` row-major matrix, or, when `transposed`, the transpose of a
        /// `[columns, rows]` row-major matrix.
        init(_ source: UnsafePointer<Float>, rows: Int, columns: Int, transposed: Bool) {
            self.rows = rows
            self.columns = columns
            let width = FloatGemm.panelWidth
            let panels = (columns + width - 1) / width
            if columns <= NarrowGemm.maxColumns {
                let paddedColumns = columns == 1 ? 1 : NarrowGemm.maxColumns
                transposedColumns = makeArray(count: paddedColumns * rows) { (out: UnsafeMutablePointer<Float>) in
                    out.initialize(repeating: 0, count: paddedColumns * rows)
                    for column in 0..<columns {
                        for k in 0..<rows {
                            out[column * rows + k] = transposed ? source[column * rows + k] : source[k * columns + column]
                        }
                    }
                }
            } else {
                transposedColumns = nil
            }
            storage = makeArray(count: panels * rows * width) { (out: UnsafeMutablePointer<Float>) in
                out.initialize(repeating: 0, count: panels * rows * width)
                for panel in 0..<panels {
                    let firstColumn = panel * width
                    let panelColumns = min(width, columns - firstColumn)
                    let target = out + panel * rows * width
                    if transposed {
                        for column in 0..<panelColumns {
                            let sourceRow = source + (firstColumn + column) * rows
                            for k in 0..<rows { target[k * width + column] = sourceRow[k] }
                        }
                    } else {
                        for k in 0..<rows {
                            let sourceRow = source + k * columns + firstColumn
                            for column in 0..<panelColumns { target[k * width + column] = sourceRow[column] }
                        }
                    }
                }
            }
        }

        /// Packs a float32 matrix held in an array.
        init(_ values: [Float], rows: Int, columns: Int, transposed: Bool) {
            self = values.withUnsafeBufferPointer { buffer in
                PackedMatrix(address(buffer), rows: rows, columns: columns,
                             transposed: transposed)
            }
        }
    }
}
