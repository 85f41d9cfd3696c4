/// How leaf values are combined across trees, per row and target.
enum TreeAccumulation {
    case sum, min, max
}

extension TreeEnsembleLayout {
    /// Rows evaluated together against one tree before moving to the next tree, so a tree stays in
    /// cache while it serves a block of rows.
    static let rowBlock = 64

    /// Runs every tree over `rowCount` rows of `x` (row-major, `columns` per row) block by block.
    /// Each block accumulates, in tree order like onnxruntime, per row and target a score and a
    /// "has a score" flag, then hands them to `finish(firstRow, blockRows, scores, hasScore)`;
    /// both arrays are `blockRows × targetCount`, row-major.
    ///
    /// With one target each leaf contributes its single value (onnxruntime's one-output path);
    /// otherwise each leaf contributes all of its weights to their targets.
    func accumulate<T: BinaryFloatingPoint>(
        numbers: TreeEnsembleNumbers<T>, x: UnsafePointer<T>, rowCount: Int, columns: Int,
        targetCount: Int, accumulation: TreeAccumulation,
        finish: (_ firstRow: Int, _ blockRows: Int, _ scores: UnsafeMutablePointer<T>,
                 _ hasScore: UnsafeMutablePointer<UInt8>) throws(ModelError) -> Void
    ) throws(ModelError) {
        let block = Swift.min(Self.rowBlock, Swift.max(rowCount, 1))
        let scores = UnsafeMutablePointer<T>.allocate(capacity: block * targetCount)
        let hasScore = UnsafeMutablePointer<UInt8>.allocate(capacity: block * targetCount)
        let leaves = UnsafeMutablePointer<Int32>.allocate(capacity: block)
        defer {
            scores.deallocate()
            hasScore.deallocate()
            leaves.deallocate()
        }
        let thresholds = UnsafePointer(numbers.threshold)
        let leafValue = numbers.leafValue
        let weight = numbers.weight
        let leafWeightStart = self.leafWeightStart
        let leafWeightCount = self.leafWeightCount
        let weightTarget = self.weightTarget
        let leafTarget = self.leafTarget
        let everyLeafHasOneWeight = self.everyLeafHasOneWeight
        var first = 0
        while first < rowCount {
            let count = Swift.min(block, rowCount - first)
            scores.initialize(repeating: 0, count: count * targetCount)
            hasScore.initialize(repeating: 0, count: count * targetCount)
            let rows = x + first * columns
            for tree in 0..<roots.count {
                descend(tree: tree, thresholds: thresholds, rows: rows, stride: columns, rowCount: count, leaves: leaves)
                if targetCount == 1 {
                    switch accumulation {
                    case .sum:
                        for r in 0..<count { scores[r] += leafValue[Int(leaves[r])] }
                    case .min:
                        for r in 0..<count {
                            let v = leafValue[Int(leaves[r])]
                            if hasScore[r] == 0 || v < scores[r] { scores[r] = v }
                            hasScore[r] = 1
                        }
                    case .max:
                        for r in 0..<count {
                            let v = leafValue[Int(leaves[r])]
                            if hasScore[r] == 0 || v > scores[r] { scores[r] = v }
                            hasScore[r] = 1
                        }
                    }
                } else if accumulation == .sum && everyLeafHasOneWeight {
                    for r in 0..<count {
                        let leaf = Int(leaves[r])
                        let i = r * targetCount + Int(leafTarget[leaf])
                        scores[i] += leafValue[leaf]
                        hasScore[i] = 1
                    }
                } else {
                    for r in 0..<count {
                        let leaf = Int(leaves[r])
                        let start = Int(leafWeightStart[leaf])
                        let end = start + Int(leafWeightCount[leaf])
                        let rowScores = scores + r * targetCount
                        let rowHas = hasScore + r * targetCount
                        var w = start
                        while w < end {
                            let k = Int(weightTarget[w])
                            let v = weight[w]
                            switch accumulation {
                            case .sum:
                                rowScores[k] += v
                            case .min:
                                if rowHas[k] == 0 || v < rowScores[k] { rowScores[k] = v }
                            case .max:
                                if rowHas[k] == 0 || v > rowScores[k] { rowScores[k] = v }
                            }
                            rowHas[k] = 1
                            w += 1
                        }
                    }
                }
            }
            try finish(first, count, scores, hasScore)
            first += count
        }
    }

    /// Runs `body` with the input's rows as a contiguous buffer of the precision onnxruntime uses for
    /// it: double for double inputs, float for float, int64 and int32 inputs (integers are converted).
    func withInputRows<R>(
        _ x: Tensor, node: String, op: String,
        float: (UnsafePointer<Float>) throws(ModelError) -> R,
        double: (UnsafePointer<Double>) throws(ModelError) -> R
    ) throws(ModelError) -> R {
        func run<E>(_ array: [E], _ body: (UnsafePointer<E>) throws(ModelError) -> R) throws(ModelError) -> R {
            try array.withUnsafeBufferPointer { (buffer) throws(ModelError) -> R in
                guard let base = buffer.baseAddress else {
                    throw MLAttributes.runtimeError(node, op, "empty input")
                }
                return try body(base)
            }
        }
        switch x.data {
        case .float32(let v): return try run(v, float)
        case .float64(let v): return try run(v, double)
        case .int64(let v): return try run(v.map { Float($0) }, float)
        case .int32(let v): return try run(v.map { Float($0) }, float)
        case .bool, .string:
            throw MLAttributes.runtimeError(node, op, "unsupported input element type \(x.elementType)")
        }
    }
}
