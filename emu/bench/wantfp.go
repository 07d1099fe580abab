package bench

import (
	"fmt"
	"math"
)

// The host's reference answers of the floating-point, vector, string and
// memory-mapping workloads (images/programs/benchfp.c and bench.c). The
// float64(...) conversions round each product where C rounds it: they keep
// the compiler from fusing a multiply and an add, which C's order of
// operations does not do either.

type body struct{ x, y, z, vx, vy, vz, m float64 }

var bodies0 = [5]body{
	{0, 0, 0, 0, 0, 0, 39.5},
	{4.75, -1.25, -0.125, 0.625, 2.75, -0.0625, 0.0375},
	{8.25, 4.125, -0.375, -1.125, 1.875, 0.0078125, 0.01125},
	{12.5, -15.25, -0.25, 1.0625, 0.875, -0.015625, 0.00171875},
	{15.375, -25.875, 0.1875, 0.96875, 0.59375, -0.03125, 0.00203125},
}

func wantFP() string {
	b := bodies0
	const dt = 0.01
	closest := 1e300
	for s := 0; s < 1000; s++ {
		for i := range b {
			a := &b[i]
			for j := i + 1; j < len(b); j++ {
				c := &b[j]
				dx, dy, dz := a.x-c.x, a.y-c.y, a.z-c.z
				d2 := float64(float64(dx*dx)+float64(dy*dy)) + float64(dz*dz)
				if d2 < closest {
					closest = d2
				}
				mag := dt / float64(d2*math.Sqrt(d2))
				ma, mb := a.m*mag, c.m*mag
				a.vx -= float64(dx * mb)
				a.vy -= float64(dy * mb)
				a.vz -= float64(dz * mb)
				c.vx += float64(dx * ma)
				c.vy += float64(dy * ma)
				c.vz += float64(dz * ma)
			}
		}
		for i := range b {
			a := &b[i]
			a.x += float64(dt * a.vx)
			a.y += float64(dt * a.vy)
			a.z += float64(dt * a.vz)
		}
	}
	const intervals = 20000
	h, pi, over := 1.0/intervals, 0.0, 0
	for i := 0; i < intervals; i++ {
		x := float64(float64(i)+0.5) * h
		f := 4.0 / float64(1.0+float64(x*x))
		pi += f
		if int64(float64(f*1000.0)) > 3000 {
			over++
		}
	}
	pi *= h
	e := 0.0
	for i := range b {
		a := &b[i]
		e += float64(float64(0.5*a.m) * float64(float64(float64(a.vx*a.vx)+float64(a.vy*a.vy))+float64(a.vz*a.vz)))
		for j := i + 1; j < len(b); j++ {
			c := &b[j]
			dx, dy, dz := a.x-c.x, a.y-c.y, a.z-c.z
			e -= float64(a.m*c.m) / math.Sqrt(float64(float64(dx*dx)+float64(dy*dy))+float64(dz*dz))
		}
	}
	return fmt.Sprintf("e %016x pi %016x d %016x %d", math.Float64bits(e), math.Float64bits(pi), math.Float64bits(closest), over)
}

func wantVec() string {
	const n = 4096
	var va, vb, vc [n]int32
	var fa, fb [n]float32
	var da, db [n]float64
	var ba, bb [n]uint8
	x := uint64(seed)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		v := uint32(x >> 32)
		vb[i] = int32(v)
		vc[i] = int32(v * 0x9E3779B1)
		fb[i] = float32(int32(v & 0xFFFFF))
		db[i] = float64(int32(v >> 12))
		bb[i] = uint8(v)
	}
	sum := uint32(0)
	for i := 0; i < n; i++ {
		va[i] = int32(uint32(vb[i])*3 + uint32(vc[i]^(vb[i]>>3)))
		va[i] = max(va[i], vc[i])
		sum += uint32(va[i])
		fa[i] = float32(fb[i]*0.75) + float32(i)
		da[i] = float64(db[i]*db[i]) - float64(0.5*db[i])
		ba[i] = uint8((int(bb[i]) + 7) ^ int(bb[i]>>1))
	}
	w32 := func(lo, hi uint32) uint64 { return uint64(lo) | uint64(hi)<<32 }
	var wa, wf []uint64
	for i := 0; i < n; i += 2 {
		wa = append(wa, w32(uint32(va[i]), uint32(va[i+1])))
		wf = append(wf, w32(math.Float32bits(fa[i]), math.Float32bits(fa[i+1])))
	}
	var wd, wb []uint64
	for i := 0; i < n; i++ {
		wd = append(wd, math.Float64bits(da[i]))
	}
	for i := 0; i < n; i += 8 {
		var u uint64
		for k := 7; k >= 0; k-- {
			u = u<<8 | uint64(ba[i+k])
		}
		wb = append(wb, u)
	}
	return fmt.Sprintf("0x%08x 0x%016x 0x%016x 0x%016x 0x%016x", sum, fold(wa), fold(wf), fold(wd), fold(wb))
}

func wantX87() string {
	const n = 20000
	return fmt.Sprintf("%d %d %d", n*(n+1)*(2*n+1)/6, n*(n+1)/2, n*(n+1)/2)
}

func wantStr() string {
	const n = 64 * 1024
	src := bytesOf(fill(n / 8))
	for i := range src {
		if src[i]&63 == 0 {
			src[i] = 0
		}
	}
	src[n-1] = 0
	dst := make([]byte, n)
	for i := range dst {
		dst[i] = 0x41
	}
	copy(dst[3:], src[1:1+n-8])
	copy(dst[n/2:], src[:n/2])
	dst[n-1] = 0
	var total, strs uint64
	var order int64
	for q := 3; q < n-1; {
		l := 0
		for dst[q+l] != 0 {
			l++
		}
		a, b := dst[q:], src[q-2:]
		k := 0
		for a[k] != 0 && a[k] == b[k] {
			k++
		}
		switch c := int(a[k]) - int(b[k]); {
		case c < 0:
			order--
		case c > 0:
			order++
		}
		total += uint64(l)
		strs++
		q += l + 1
	}
	words := make([]uint64, n/8)
	for i := range words {
		for k := 7; k >= 0; k-- {
			words[i] = words[i]<<8 | uint64(dst[8*i+k])
		}
	}
	return fmt.Sprintf("0x%016x %d strings %d bytes order %d", fold(words), strs, total, order)
}

func wantVM() string {
	const pages, loops = 64, 16
	return fmt.Sprintf("%d pages sum %d", pages*loops, loops*pages*(pages+1)/2)
}
