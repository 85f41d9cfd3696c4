extension DefaultKernels {
    /// Reads `values` through a strided view: output element `(i0, ..., in)` (row-major over
    /// `shape`) is `values[base + i0 * strides[0] + ... + in * strides[n]]`. Transpose, Slice
    /// and Expand are all such views.
    static func stridedCopy<T>(_ values: [T], base: Int, shape: [Int], strides: [Int]) -> [T] {
        let count = elementCount(shape)
        guard count > 0 else { return [] }
        if shape.isEmpty { return [values[base]] }
        let (dims, coalesced) = Broadcast.coalesce(shape, [strides])
        let dimStrides = coalesced[0]
        let rank = dims.count
        let inner = dims[rank - 1], innerStride = dimStrides[rank - 1]
        return values.withUnsafeBufferPointer { source in
            makeArray(count: count) { (out: UnsafeMutablePointer<T>) in
                let input = address(source)
                var counter = [Int](repeating: 0, count: rank)
                var offset = base
                var written = 0
                while written < count {
                    let target = out + written
                    if innerStride == 1 {
                        target.initialize(from: input + offset, count: inner)
                    } else {
                        for index in 0..<inner { (target + index).initialize(to: input[offset + index * innerStride]) }
                    }
                    written += inner
                    var dim = rank - 2
                    while dim >= 0 {
                        counter[dim] += 1
                        offset += dimStrides[dim]
                        if counter[dim] < dims[dim] { break }
                        offset -= dimStrides[dim] * dims[dim]
                        counter[dim] = 0
                        dim -= 1
                    }
                }
            }
        }
    }

    /// `stridedCopy` over any element type.
    struct StridedCopier: StorageVisitor {
        typealias Output = TensorData
        let base: Int
        let shape: [Int]
        let strides: [Int]

        func visit<S: StorageType>(_ type: S.Type, _ values: [S.Scalar]) throws(ModelError) -> TensorData {
            S.wrap(stridedCopy(values, base: base, shape: shape, strides: strides))
        }
    }
}
