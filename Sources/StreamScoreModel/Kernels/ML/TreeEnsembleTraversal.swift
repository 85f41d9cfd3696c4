/// A branch comparison, chosen at compile time so each uniform-mode ensemble gets its own loop.
protocol TreeBranchRule {
    static func goesTrue<T: BinaryFloatingPoint>(_ x: T, _ threshold: T) -> Bool
}

enum TreeRuleLEQ: TreeBranchRule {
    @inline(__always) static func goesTrue<T: BinaryFloatingPoint>(_ x: T, _ t: T) -> Bool { x <= t }
}
enum TreeRuleLT: TreeBranchRule {
    @inline(__always) static func goesTrue<T: BinaryFloatingPoint>(_ x: T, _ t: T) -> Bool { x < t }
}
enum TreeRuleGTE: TreeBranchRule {
    @inline(__always) static func goesTrue<T: BinaryFloatingPoint>(_ x: T, _ t: T) -> Bool { x >= t }
}
enum TreeRuleGT: TreeBranchRule {
    @inline(__always) static func goesTrue<T: BinaryFloatingPoint>(_ x: T, _ t: T) -> Bool { x > t }
}
enum TreeRuleEQ: TreeBranchRule {
    @inline(__always) static func goesTrue<T: BinaryFloatingPoint>(_ x: T, _ t: T) -> Bool { x == t }
}
enum TreeRuleNEQ: TreeBranchRule {
    @inline(__always) static func goesTrue<T: BinaryFloatingPoint>(_ x: T, _ t: T) -> Bool { x != t }
}

/// Whether the loop must honour `nodes_missing_value_tracks_true` (NaN goes to the true branch).
protocol TreeMissingPolicy {
    static var tracksMissing: Bool { get }
}
enum TreeMissingIgnored: TreeMissingPolicy { static var tracksMissing: Bool { false } }
enum TreeMissingTracked: TreeMissingPolicy { static var tracksMissing: Bool { true } }

extension TreeEnsembleLayout {
    /// Sends `rowCount` rows (row `r` starts at `rows + r * stride`) down the tree rooted at `root`,
    /// all rows in lockstep one level at a time, writing the reached leaf of each row to `leaves`.
    /// Leaves point to themselves, so rows that arrive early just stay put; the loop ends when no row
    /// moved or after `depth` levels. Comparisons follow IEEE semantics (a NaN compares false except
    /// for NEQ) unless the node tracks missing values to its true branch.
    @inline(__always)
    func descendUniform<T: BinaryFloatingPoint, Rule: TreeBranchRule, Missing: TreeMissingPolicy>(
        _: Rule.Type, _: Missing.Type, thresholds: UnsafePointer<T>, root: Int32, depth: Int32,
        rows: UnsafePointer<T>, stride: Int, rowCount: Int, leaves: UnsafeMutablePointer<Int32>
    ) {
        let feature = self.feature
        let children = self.children
        let missingTracksTrue = self.missingTracksTrue
        for r in 0..<rowCount { leaves[r] = root }
        var level: Int32 = 0
        while level < depth {
            var moved: Int32 = 0
            var row = rows
            for r in 0..<rowCount {
                let node = Int(leaves[r])
                let x = row[Int(feature[node])]
                var goesTrue = Rule.goesTrue(x, thresholds[node])
                if Missing.tracksMissing {
                    goesTrue = goesTrue || (missingTracksTrue[node] != 0 && x.isNaN)
                }
                let next = children[2 &* node &+ Int(unsafeBitCast(goesTrue, to: UInt8.self))]
                moved |= next ^ leaves[r]
                leaves[r] = next
                row += stride
            }
            if moved == 0 { break }
            level += 1
        }
    }

    /// Like `descendUniform` for ensembles whose branch nodes use different modes.
    func descendMixed<T: BinaryFloatingPoint>(
        thresholds: UnsafePointer<T>, root: Int32, depth: Int32,
        rows: UnsafePointer<T>, stride: Int, rowCount: Int, leaves: UnsafeMutablePointer<Int32>
    ) {
        let feature = self.feature
        let children = self.children
        let mode = self.mode
        let missingTracksTrue = self.missingTracksTrue
        for r in 0..<rowCount { leaves[r] = root }
        var level: Int32 = 0
        while level < depth {
            var moved: Int32 = 0
            var row = rows
            for r in 0..<rowCount {
                let node = Int(leaves[r])
                let x = row[Int(feature[node])]
                let t = thresholds[node]
                var goesTrue: Bool
                switch TreeNodeMode(rawValue: mode[node]) ?? .leaf {
                case .leaf: goesTrue = false
                case .branchLEQ: goesTrue = x <= t
                case .branchLT: goesTrue = x < t
                case .branchGTE: goesTrue = x >= t
                case .branchGT: goesTrue = x > t
                case .branchEQ: goesTrue = x == t
                case .branchNEQ: goesTrue = x != t
                }
                goesTrue = goesTrue || (missingTracksTrue[node] != 0 && x.isNaN)
                let next = children[2 &* node &+ Int(unsafeBitCast(goesTrue, to: UInt8.self))]
                moved |= next ^ leaves[r]
                leaves[r] = next
                row += stride
            }
            if moved == 0 { break }
            level += 1
        }
    }

    /// Finds the leaf of tree `tree` for each of `rowCount` rows, dispatching to a loop specialised
    /// for the ensemble's node mode and missing-value handling.
    @inline(__always)
    func descend<T: BinaryFloatingPoint>(
        tree: Int, thresholds: UnsafePointer<T>, rows: UnsafePointer<T>, stride: Int, rowCount: Int,
        leaves: UnsafeMutablePointer<Int32>
    ) {
        let root = roots[tree]
        let depth = depths[tree]
        guard let uniform = uniformMode else {
            descendMixed(thresholds: thresholds, root: root, depth: depth, rows: rows, stride: stride,
                         rowCount: rowCount, leaves: leaves)
            return
        }
        if hasMissingTracks {
            descend(uniform, TreeMissingTracked.self, thresholds, root, depth, rows, stride, rowCount, leaves)
        } else {
            descend(uniform, TreeMissingIgnored.self, thresholds, root, depth, rows, stride, rowCount, leaves)
        }
    }

    @inline(__always)
    private func descend<T: BinaryFloatingPoint, Missing: TreeMissingPolicy>(
        _ uniform: TreeNodeMode, _ missing: Missing.Type, _ thresholds: UnsafePointer<T>, _ root: Int32,
        _ depth: Int32, _ rows: UnsafePointer<T>, _ stride: Int, _ rowCount: Int,
        _ leaves: UnsafeMutablePointer<Int32>
    ) {
        switch uniform {
        case .leaf:
            for r in 0..<rowCount { leaves[r] = root }
        case .branchLEQ:
            descendUniform(TreeRuleLEQ.self, missing, thresholds: thresholds, root: root, depth: depth,
                           rows: rows, stride: stride, rowCount: rowCount, leaves: leaves)
        case .branchLT:
            descendUniform(TreeRuleLT.self, missing, thresholds: thresholds, root: root, depth: depth,
                           rows: rows, stride: stride, rowCount: rowCount, leaves: leaves)
        case .branchGTE:
            descendUniform(TreeRuleGTE.self, missing, thresholds: thresholds, root: root, depth: depth,
                           rows: rows, stride: stride, rowCount: rowCount, leaves: leaves)
        case .branchGT:
            descendUniform(TreeRuleGT.self, missing, thresholds: thresholds, root: root, depth: depth,
                           rows: rows, stride: stride, rowCount: rowCount, leaves: leaves)
        case .branchEQ:
            descendUniform(TreeRuleEQ.self, missing, thresholds: thresholds, root: root, depth: depth,
                           rows: rows, stride: stride, rowCount: rowCount, leaves: leaves)
        case .branchNEQ:
            descendUniform(TreeRuleNEQ.self, missing, thresholds: thresholds, root: root, depth: depth,
                           rows: rows, stride: stride, rowCount: rowCount, leaves: leaves)
        }
    }
}
