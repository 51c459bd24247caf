;; Dot products of one query with many vectors, using f32x4 SIMD.
;; Vectors are stored with a stride (floats) that is a multiple of 16, zero-padded.
;; Scattered rows (a filtered scan) are scored four at a time: that scan is bound by memory
;; latency, not arithmetic, and four independent load streams keep more requests in flight
;; (measured 2x faster than one row at a time; for contiguous rows it is slower, so scanRange
;; scores one row at a time).
(module
  (memory (export "memory") 1 65536)

  ;; dot(q, v) for one row at byte address $v; $bytes = stride x 4. Four accumulators
  ;; keep the adds independent.
  (func $dot1 (param $q i32) (param $v i32) (param $bytes i32) (result f32)
    (local $j i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
        (v128.load (i32.add (local.get $q) (local.get $j))) (v128.load (i32.add (local.get $v) (local.get $j))))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
        (v128.load offset=16 (i32.add (local.get $q) (local.get $j))) (v128.load offset=16 (i32.add (local.get $v) (local.get $j))))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
        (v128.load offset=32 (i32.add (local.get $q) (local.get $j))) (v128.load offset=32 (i32.add (local.get $v) (local.get $j))))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
        (v128.load offset=48 (i32.add (local.get $q) (local.get $j))) (v128.load offset=48 (i32.add (local.get $v) (local.get $j))))))
      (local.set $j (i32.add (local.get $j) (i32.const 64)))
      (br $step)))
    (call $sum (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))))

  (func $sum (param $a v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
      (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))

  ;; out[0..4) = dot(q, rows at $v0..$v3)
  (func $dot4 (param $q i32) (param $v0 i32) (param $v1 i32) (param $v2 i32) (param $v3 i32) (param $bytes i32) (param $out i32)
    (local $j i32) (local $x v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
      (local.set $x (v128.load (i32.add (local.get $q) (local.get $j))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v0) (local.get $j))))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v1) (local.get $j))))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v2) (local.get $j))))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v3) (local.get $j))))))
      (local.set $x (v128.load offset=16 (i32.add (local.get $q) (local.get $j))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load offset=16 (i32.add (local.get $v0) (local.get $j))))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load offset=16 (i32.add (local.get $v1) (local.get $j))))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load offset=16 (i32.add (local.get $v2) (local.get $j))))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load offset=16 (i32.add (local.get $v3) (local.get $j))))))
      (local.set $x (v128.load offset=32 (i32.add (local.get $q) (local.get $j))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load offset=32 (i32.add (local.get $v0) (local.get $j))))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load offset=32 (i32.add (local.get $v1) (local.get $j))))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load offset=32 (i32.add (local.get $v2) (local.get $j))))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load offset=32 (i32.add (local.get $v3) (local.get $j))))))
      (local.set $x (v128.load offset=48 (i32.add (local.get $q) (local.get $j))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load offset=48 (i32.add (local.get $v0) (local.get $j))))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load offset=48 (i32.add (local.get $v1) (local.get $j))))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load offset=48 (i32.add (local.get $v2) (local.get $j))))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load offset=48 (i32.add (local.get $v3) (local.get $j))))))
      (local.set $j (i32.add (local.get $j) (i32.const 64)))
      (br $step)))
    (f32.store (local.get $out) (call $sum (local.get $a0)))
    (f32.store offset=4 (local.get $out) (call $sum (local.get $a1)))
    (f32.store offset=8 (local.get $out) (call $sum (local.get $a2)))
    (f32.store offset=12 (local.get $out) (call $sum (local.get $a3))))

  ;; out[i] = dot(q, row first + i) for i < count, rows starting at byte address $base.
  ;; Contiguous rows stream well one at a time (the hardware prefetcher follows them).
  (func (export "scanRange") (param $q i32) (param $base i32) (param $stride i32) (param $first i32) (param $count i32) (param $out i32)
    (local $i i32) (local $bytes i32) (local $v i32)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $v (i32.add (local.get $base) (i32.mul (local.get $first) (local.get $bytes))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
        (call $dot1 (local.get $q) (local.get $v) (local.get $bytes)))
      (local.set $v (i32.add (local.get $v) (local.get $bytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; out[i] = dot(q, row rows[i]) for i < count; rows is an i32 array at byte address $rows
  (func (export "scanRows") (param $q i32) (param $base i32) (param $stride i32) (param $rows i32) (param $count i32) (param $out i32)
    (local $i i32) (local $bytes i32) (local $r i32) (local $end4 i32)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $count) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $r (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))))
      (call $dot4 (local.get $q)
        (i32.add (local.get $base) (i32.mul (i32.load (local.get $r)) (local.get $bytes)))
        (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $r)) (local.get $bytes)))
        (i32.add (local.get $base) (i32.mul (i32.load offset=8 (local.get $r)) (local.get $bytes)))
        (i32.add (local.get $base) (i32.mul (i32.load offset=12 (local.get $r)) (local.get $bytes)))
        (local.get $bytes)
        (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
        (call $dot1 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))) (local.get $bytes)))
          (local.get $bytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
)
