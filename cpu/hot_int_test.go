package cpu

import (
	"math/rand"
	"testing"
)

// hotIntForms are encodings of the forms specialiseInt picks a handler for (64-bit mode;
// the memory operand is [rbx+rcx*4] or [rbx+rcx*4+16]); TestSpecialisedHandlers runs
// them with hotForms.
var hotIntForms = [][]byte{
	{0xFA},                                     // cli
	{0x0F, 0x01, 0xF8},                         // swapgs
	{0x9C},                                     // pushfq
	{0x66, 0x9C},                               // pushf (16 bits: the handler's)
	{0x01, 0x04, 0x8B},                         // add DWORD PTR [rbx+rcx*4],eax
	{0x00, 0x14, 0x8B},                         // add BYTE PTR [rbx+rcx*4],dl
	{0x66, 0x01, 0x74, 0x8B, 0x10},             // add WORD PTR [rbx+rcx*4+0x10],si
	{0x48, 0x09, 0x14, 0x8B},                   // or QWORD PTR [rbx+rcx*4],rdx
	{0x11, 0x04, 0x8B},                         // adc DWORD PTR [rbx+rcx*4],eax
	{0x48, 0x19, 0x34, 0x8B},                   // sbb QWORD PTR [rbx+rcx*4],rsi
	{0x20, 0x24, 0x8B},                         // and BYTE PTR [rbx+rcx*4],ah
	{0x66, 0x81, 0x2C, 0x8B, 0x34, 0x12},       // sub WORD PTR [rbx+rcx*4],0x1234
	{0x83, 0x34, 0x8B, 0xFB},                   // xor DWORD PTR [rbx+rcx*4],0xfffffffb
	{0x48, 0x83, 0x04, 0x8B, 0x7F},             // add QWORD PTR [rbx+rcx*4],0x7f
	{0x80, 0x14, 0x8B, 0x80},                   // adc BYTE PTR [rbx+rcx*4],0x80
	{0x66, 0x83, 0x1C, 0x8B, 0x03},             // sbb WORD PTR [rbx+rcx*4],0x3
	{0x48, 0xFF, 0x04, 0x8B},                   // inc QWORD PTR [rbx+rcx*4]
	{0xFE, 0x04, 0x8B},                         // inc BYTE PTR [rbx+rcx*4]
	{0xFF, 0x0C, 0x8B},                         // dec DWORD PTR [rbx+rcx*4]
	{0x66, 0xFF, 0x0C, 0x8B},                   // dec WORD PTR [rbx+rcx*4]
	{0x48, 0xF7, 0x1C, 0x8B},                   // neg QWORD PTR [rbx+rcx*4]
	{0xF6, 0x1C, 0x8B},                         // neg BYTE PTR [rbx+rcx*4]
	{0xF7, 0x14, 0x8B},                         // not DWORD PTR [rbx+rcx*4]
	{0x66, 0xF7, 0x14, 0x8B},                   // not WORD PTR [rbx+rcx*4]
	{0xF0, 0x48, 0x83, 0x04, 0x8B, 0x01},       // lock add QWORD PTR [rbx+rcx*4],0x1
	{0xF0, 0xFF, 0x04, 0x8B},                   // lock inc DWORD PTR [rbx+rcx*4]
	{0x48, 0x0F, 0xC1, 0x04, 0x8B},             // xadd QWORD PTR [rbx+rcx*4],rax
	{0x0F, 0xC0, 0x14, 0x8B},                   // xadd BYTE PTR [rbx+rcx*4],dl
	{0x66, 0xF0, 0x0F, 0xC1, 0x34, 0x8B},       // lock xadd WORD PTR [rbx+rcx*4],si
	{0x00, 0xD0},                               // add al,dl
	{0x66, 0x01, 0xF2},                         // add dx,si
	{0x44, 0x00, 0xCE},                         // add sil,r9b
	{0x28, 0xC1},                               // sub cl,al
	{0x66, 0x41, 0x29, 0xC2},                   // sub r10w,ax
	{0x24, 0x7F},                               // and al,0x7f
	{0x66, 0x81, 0xCA, 0x01, 0x80},             // or dx,0x8001
	{0x80, 0xF3, 0xFF},                         // xor bl,0xff
	{0x38, 0xD0},                               // cmp al,dl
	{0x66, 0x81, 0xFA, 0xFF, 0x7F},             // cmp dx,0x7fff
	{0x84, 0xD1},                               // test cl,dl
	{0x66, 0xF7, 0xC6, 0x00, 0x80},             // test si,0x8000
	{0x11, 0xD0},                               // adc eax,edx
	{0x48, 0x11, 0xD0},                         // adc rax,rdx
	{0x10, 0xD0},                               // adc al,dl
	{0x66, 0x81, 0xD2, 0xF0, 0x7F},             // adc dx,0x7ff0
	{0x48, 0x83, 0xD1, 0xFD},                   // adc rcx,0xfffffffffffffffd
	{0x19, 0xF1},                               // sbb ecx,esi
	{0x48, 0x83, 0xD8, 0x07},                   // sbb rax,0x7
	{0x41, 0x18, 0xC0},                         // sbb r8b,al
	{0xFE, 0xC0},                               // inc al
	{0x66, 0xFF, 0xCA},                         // dec dx
	{0x41, 0xFE, 0xC3},                         // inc r11b
	{0xF7, 0xD8},                               // neg eax
	{0x48, 0xF7, 0xDA},                         // neg rdx
	{0xF6, 0xD8},                               // neg al
	{0x66, 0xF7, 0xDE},                         // neg si
	{0xF6, 0xD2},                               // not dl
	{0x66, 0xF7, 0xD6},                         // not si
	{0x0F, 0x4C, 0xC2},                         // cmovl eax,edx
	{0x48, 0x0F, 0x42, 0xC2},                   // cmovb rax,rdx
	{0x0F, 0x45, 0x0C, 0x8B},                   // cmovne ecx,DWORD PTR [rbx+rcx*4]
	{0x48, 0x0F, 0x4F, 0x74, 0x8B, 0x10},       // cmovg rsi,QWORD PTR [rbx+rcx*4+0x10]
	{0x0F, 0x4A, 0xC6},                         // cmovp eax,esi
	{0x48, 0x0F, 0x40, 0xD6},                   // cmovo rdx,rsi
	{0x0F, 0x9C, 0xC0},                         // setl al
	{0x40, 0x0F, 0x92, 0xC6},                   // setb sil
	{0x41, 0x0F, 0x95, 0xC1},                   // setne r9b
	{0x0F, 0x90, 0xC2},                         // seto dl
	{0x0F, 0x9A, 0xC1},                         // setp cl
	{0x0F, 0xAF, 0xC2},                         // imul eax,edx
	{0x69, 0xC6, 0x39, 0x30, 0x00, 0x00},       // imul eax,esi,0x3039
	{0x48, 0x6B, 0xC2, 0xF9},                   // imul rax,rdx,0xfffffffffffffff9
	{0x48, 0x69, 0xC6, 0xFF, 0xFF, 0xFF, 0x7F}, // imul rax,rsi,0x7fffffff
	{0x0F, 0xAF, 0x04, 0x8B},                   // imul eax,DWORD PTR [rbx+rcx*4]
	{0x48, 0x0F, 0xAF, 0x54, 0x8B, 0x10},       // imul rdx,QWORD PTR [rbx+rcx*4+0x10]
	{0x0F, 0xBE, 0xC2},                         // movsx eax,dl
	{0x48, 0x0F, 0xBE, 0xC6},                   // movsx rax,sil
	{0x0F, 0xBF, 0xC2},                         // movsx eax,dx
	{0x48, 0x0F, 0xBF, 0xC6},                   // movsx rax,si
	{0x0F, 0xBE, 0x04, 0x8B},                   // movsx eax,BYTE PTR [rbx+rcx*4]
	{0x48, 0x0F, 0xBE, 0x44, 0x8B, 0x10},       // movsx rax,BYTE PTR [rbx+rcx*4+0x10]
	{0x0F, 0xBF, 0x04, 0x8B},                   // movsx eax,WORD PTR [rbx+rcx*4]
	{0x48, 0x0F, 0xBF, 0x14, 0x8B},             // movsx rdx,WORD PTR [rbx+rcx*4]
	{0x48, 0x63, 0x04, 0x8B},                   // movsxd rax,DWORD PTR [rbx+rcx*4]
	{0x88, 0xD0},                               // mov al,dl
	{0x44, 0x88, 0xCE},                         // mov sil,r9b
	{0x66, 0x89, 0xF2},                         // mov dx,si
	{0x8A, 0x04, 0x8B},                         // mov al,BYTE PTR [rbx+rcx*4]
	{0x44, 0x8A, 0x4C, 0x8B, 0x10},             // mov r9b,BYTE PTR [rbx+rcx*4+0x10]
	{0x66, 0x8B, 0x14, 0x8B},                   // mov dx,WORD PTR [rbx+rcx*4]
	{0x66, 0x89, 0x34, 0x8B},                   // mov WORD PTR [rbx+rcx*4],si
	{0x66, 0xC7, 0x44, 0x8B, 0x10, 0x65, 0x87}, // mov WORD PTR [rbx+rcx*4+0x10],0x8765
	{0xB2, 0x9A},                               // mov dl,0x9a
	{0x66, 0xBE, 0x34, 0x12},                   // mov si,0x1234
	{0xD3, 0xE0},                               // shl eax,cl
	{0x48, 0xD3, 0xEA},                         // shr rdx,cl
	{0xD3, 0xFE},                               // sar esi,cl
	{0x48, 0xD3, 0xF8},                         // sar rax,cl
	{0xD3, 0xC0},                               // rol eax,cl
	{0x48, 0xD3, 0xCA},                         // ror rdx,cl
	{0x48, 0xD3, 0xC6},                         // rol rsi,cl
	{0x48, 0xD3, 0xE0},                         // shl rax,cl
	{0xD3, 0xE8},                               // shr eax,cl
	{0xD3, 0xCE},                               // ror esi,cl
	{0x0F, 0xBC, 0xC2},                         // bsf eax,edx
	{0x48, 0x0F, 0xBD, 0xC2},                   // bsr rax,rdx
	{0x48, 0x0F, 0xBC, 0x04, 0x8B},             // bsf rax,QWORD PTR [rbx+rcx*4]
	{0x0F, 0xBD, 0x34, 0x8B},                   // bsr esi,DWORD PTR [rbx+rcx*4]
	{0xF3, 0x0F, 0xBC, 0xC2},                   // tzcnt eax,edx
	{0xF3, 0x48, 0x0F, 0xBC, 0x04, 0x8B},       // tzcnt rax,QWORD PTR [rbx+rcx*4]
	{0xF3, 0x0F, 0xBD, 0xC2},                   // lzcnt eax,edx
	{0xF3, 0x48, 0x0F, 0xBD, 0xD6},             // lzcnt rdx,rsi
	{0xF3, 0x0F, 0xB8, 0xC2},                   // popcnt eax,edx
	{0xF3, 0x48, 0x0F, 0xB8, 0x04, 0x8B},       // popcnt rax,QWORD PTR [rbx+rcx*4]
	{0x0F, 0xA3, 0xD0},                         // bt eax,edx
	{0x48, 0x0F, 0xA3, 0xF0},                   // bt rax,rsi
	{0x0F, 0xBA, 0xE0, 0x1F},                   // bt eax,0x1f
	{0x48, 0x0F, 0xBA, 0xE2, 0x3F},             // bt rdx,0x3f
	{0x92},                                     // xchg edx,eax
	{0x87, 0xCE},                               // xchg esi,ecx
	{0x0F, 0xBC, 0xC9},                         // bsf ecx,ecx
	{0x6A, 0x85},                               // push -0x7b
	{0x68, 0x78, 0x56, 0x34, 0x12},             // push 0x12345678
	{0xFF, 0x34, 0x8B},                         // push qword ptr [rbx+rcx*4]
	{0x8F, 0x44, 0x8B, 0x10},                   // pop qword ptr [rbx+rcx*4+0x10]
	{0x66, 0x83, 0x04, 0x8B, 0x85},             // add word ptr [rbx+rcx*4], -0x7b
	{0x80, 0x34, 0x8B, 0x5A},                   // xor byte ptr [rbx+rcx*4], 0x5a
	{0x48, 0x21, 0x44, 0x8B, 0x10},             // and qword ptr [rbx+rcx*4+0x10], rax
	{0x28, 0x54, 0x8B, 0x10},                   // sub byte ptr [rbx+rcx*4+0x10], dl
	{0x66, 0x09, 0x34, 0x8B},                   // or word ptr [rbx+rcx*4], si
	{0x48, 0x0F, 0xB1, 0x14, 0x8B},             // cmpxchg QWORD PTR [rbx+rcx*4],rdx
	{0x0F, 0xB0, 0x54, 0x8B, 0x10},             // cmpxchg BYTE PTR [rbx+rcx*4+0x10],dl
	{0x66, 0xF0, 0x0F, 0xB1, 0x34, 0x8B},       // lock cmpxchg WORD PTR [rbx+rcx*4],si
	// mov rax, [rbx+rcx*4]; cmpxchg [rbx+rcx*4], rdx (equal)
	{0x48, 0x8B, 0x04, 0x8B, 0x48, 0x0F, 0xB1, 0x14, 0x8B},
	// mov eax, [rbx+rcx*4+16]; lock cmpxchg [rbx+rcx*4+16], esi (equal)
	{0x8B, 0x44, 0x8B, 0x10, 0xF0, 0x0F, 0xB1, 0x74, 0x8B, 0x10},
	{0xF0, 0x29, 0x04, 0x8B},                               // lock sub DWORD PTR [rbx+rcx*4],eax
	{0xF0, 0x80, 0x0C, 0x8B, 0x81},                         // lock or BYTE PTR [rbx+rcx*4],0x81
	{0xF0, 0x48, 0xFF, 0x0C, 0x8B},                         // lock dec QWORD PTR [rbx+rcx*4]
	{0xF0, 0xF6, 0x1C, 0x8B},                               // lock neg BYTE PTR [rbx+rcx*4]
	{0x66, 0xF0, 0xF7, 0x54, 0x8B, 0x10},                   // lock not WORD PTR [rbx+rcx*4+0x10]
	{0xF0, 0x48, 0x83, 0x54, 0x8B, 0x10, 0xFD},             // lock adc QWORD PTR [rbx+rcx*4+0x10],-3
	{0x80, 0x1C, 0x8B, 0x7F},                               // sbb BYTE PTR [rbx+rcx*4],0x7f
	{0x48, 0x87, 0x04, 0x8B},                               // xchg QWORD PTR [rbx+rcx*4],rax
	{0x86, 0x54, 0x8B, 0x10},                               // xchg BYTE PTR [rbx+rcx*4+0x10],dl
	{0x66, 0x87, 0x34, 0x8B},                               // xchg WORD PTR [rbx+rcx*4],si
	{0x87, 0x0C, 0x8B},                                     // xchg DWORD PTR [rbx+rcx*4],ecx
	{0x48, 0x0F, 0x4C, 0x04, 0x8B},                         // cmovl rax,QWORD PTR [rbx+rcx*4]
	{0x0F, 0x44, 0x54, 0x8B, 0x10},                         // cmove edx,DWORD PTR [rbx+rcx*4+0x10]
	{0x48, 0x63, 0x4C, 0x8B, 0x10},                         // movsxd rcx,DWORD PTR [rbx+rcx*4+0x10]
	{0x48, 0x0F, 0xA4, 0xD0, 0x05},                         // shld rax,rdx,0x5
	{0x0F, 0xA4, 0xF2, 0x1F},                               // shld edx,esi,0x1f
	{0x48, 0x0F, 0xAC, 0xF0, 0x3F},                         // shrd rax,rsi,0x3f
	{0x0F, 0xAC, 0xD0, 0x01},                               // shrd eax,edx,0x1
	{0x48, 0x0F, 0xA5, 0xD6},                               // shld rsi,rdx,cl
	{0x0F, 0xAD, 0xC2},                                     // shrd edx,eax,cl
	{0x0F, 0xA5, 0xC0},                                     // shld eax,eax,cl
	{0x48, 0x0F, 0xA4, 0x14, 0x8B, 0x07},                   // shld QWORD PTR [rbx+rcx*4],rdx,0x7
	{0x0F, 0xAC, 0x74, 0x8B, 0x10, 0x1B},                   // shrd DWORD PTR [rbx+rcx*4+0x10],esi,0x1b
	{0x0F, 0xA5, 0x04, 0x8B},                               // shld DWORD PTR [rbx+rcx*4],eax,cl
	{0x48, 0x0F, 0xAD, 0x54, 0x8B, 0x10},                   // shrd QWORD PTR [rbx+rcx*4+0x10],rdx,cl
	{0x66, 0x0F, 0xA5, 0x14, 0x8B},                         // shld WORD PTR [rbx+rcx*4],dx,cl
	{0x0F, 0xA4, 0x04, 0x8B, 0x00},                         // shld DWORD PTR [rbx+rcx*4],eax,0x0	{0xD1, 0x24, 0x8B}, // shl DWORD PTR [rbx+rcx*4],1
	{0x48, 0xC1, 0x6C, 0x8B, 0x10, 0x03},                   // shr QWORD PTR [rbx+rcx*4+0x10],0x3
	{0xD2, 0x3C, 0x8B},                                     // sar BYTE PTR [rbx+rcx*4],cl
	{0x66, 0xC1, 0x04, 0x8B, 0x05},                         // rol WORD PTR [rbx+rcx*4],0x5
	{0x48, 0xD3, 0x0C, 0x8B},                               // ror QWORD PTR [rbx+rcx*4],cl
	{0xD1, 0x14, 0x8B},                                     // rcl DWORD PTR [rbx+rcx*4],1
	{0xC0, 0x5C, 0x8B, 0x10, 0x03},                         // rcr BYTE PTR [rbx+rcx*4+0x10],0x3
	{0x66, 0xD3, 0x24, 0x8B},                               // shl WORD PTR [rbx+rcx*4],cl
	{0xC1, 0x3C, 0x8B, 0x1F},                               // sar DWORD PTR [rbx+rcx*4],0x1f
	{0x0F, 0xBA, 0x24, 0x8B, 0x05},                         // bt DWORD PTR [rbx+rcx*4],0x5
	{0x48, 0x0F, 0xBA, 0x2C, 0x8B, 0x3F},                   // bts QWORD PTR [rbx+rcx*4],0x3f
	{0x66, 0x0F, 0xBA, 0x34, 0x8B, 0x0F},                   // btr WORD PTR [rbx+rcx*4],0xf
	{0x0F, 0xBA, 0x7C, 0x8B, 0x10, 0x00},                   // btc DWORD PTR [rbx+rcx*4+0x10],0x0
	{0x0F, 0xA3, 0x0C, 0x8B},                               // bt DWORD PTR [rbx+rcx*4],ecx
	{0x48, 0x0F, 0xAB, 0x4C, 0x8B, 0x10},                   // bts QWORD PTR [rbx+rcx*4+0x10],rcx
	{0x66, 0x0F, 0xB3, 0x0C, 0x8B},                         // btr WORD PTR [rbx+rcx*4],cx
	{0xF0, 0x0F, 0xBB, 0x0C, 0x8B},                         // lock btc DWORD PTR [rbx+rcx*4],ecx
	{0x0F, 0x38, 0xF0, 0x04, 0x8B},                         // movbe eax,DWORD PTR [rbx+rcx*4]
	{0x48, 0x0F, 0x38, 0xF0, 0x54, 0x8B, 0x10},             // movbe rdx,QWORD PTR [rbx+rcx*4+0x10]
	{0x66, 0x0F, 0x38, 0xF0, 0x34, 0x8B},                   // movbe si,WORD PTR [rbx+rcx*4]
	{0x0F, 0x38, 0xF1, 0x04, 0x8B},                         // movbe DWORD PTR [rbx+rcx*4],eax
	{0x48, 0x0F, 0x38, 0xF1, 0x54, 0x8B, 0x10},             // movbe QWORD PTR [rbx+rcx*4+0x10],rdx
	{0x66, 0x0F, 0x38, 0xF1, 0x34, 0x8B},                   // movbe WORD PTR [rbx+rcx*4],si
	{0x0F, 0x94, 0x04, 0x8B},                               // sete BYTE PTR [rbx+rcx*4]
	{0x0F, 0x9C, 0x44, 0x8B, 0x10},                         // setl BYTE PTR [rbx+rcx*4+0x10]
	{0x85, 0x04, 0x8B},                                     // test DWORD PTR [rbx+rcx*4],eax
	{0x48, 0x85, 0x54, 0x8B, 0x10},                         // test QWORD PTR [rbx+rcx*4+0x10],rdx
	{0x13, 0x04, 0x8B},                                     // adc eax,DWORD PTR [rbx+rcx*4]
	{0x48, 0x13, 0x54, 0x8B, 0x10},                         // adc rdx,QWORD PTR [rbx+rcx*4+0x10]
	{0x1B, 0x34, 0x8B},                                     // sbb esi,DWORD PTR [rbx+rcx*4]
	{0x48, 0x1B, 0x04, 0x8B},                               // sbb rax,QWORD PTR [rbx+rcx*4]
	{0x6B, 0x04, 0x8B, 0x07},                               // imul eax,DWORD PTR [rbx+rcx*4],0x7
	{0x48, 0x69, 0x54, 0x8B, 0x10, 0xCB, 0xDC, 0xFE, 0xFF}, // imul rdx,QWORD PTR [rbx+rcx*4+0x10],0xfffffffffffedccb
	{0x69, 0x34, 0x8B, 0xFF, 0xFF, 0xFF, 0x7F},             // imul esi,DWORD PTR [rbx+rcx*4],0x7fffffff
	{0x48, 0x0F, 0xAF, 0x04, 0x8B},                         // imul rax,QWORD PTR [rbx+rcx*4]
	{0xFF, 0x74, 0x8B, 0x10},                               // push QWORD PTR [rbx+rcx*4+0x10]
	{0x8F, 0x04, 0x24},                                     // pop QWORD PTR [rsp]
	{0xFF, 0x74, 0x24, 0x08},                               // push QWORD PTR [rsp+0x8]
	{0x8F, 0x44, 0x24, 0xF8},                               // pop QWORD PTR [rsp-0x8]
}

// TestIntFastPathFaults runs each form of hotIntForms twice in one run: first at an
// address in a page the access itself brings into the TLB, then (after XCHG RSI, RBX)
// at one that starts 3 bytes before that page's end, where the next page is present,
// absent, read-only (CR0.WP) or, at CPL 3, a supervisor page, so that the TLB-hit paths
// meet a page crossing and every kind of fault on a warm TLB. With the specialised and
// the general handlers, registers, flags, the memory of both pages, the vector and CR2
// agree.
func TestIntFastPathFaults(t *testing.T) {
	defer func() { specialiseOn = true }()
	const page = tData + 0x1000 // the warm page; the next one is the faulting one
	kinds := []struct {
		name string
		cpl  uint8
		pte  func(uint64) uint64
	}{
		{"present", 0, func(v uint64) uint64 { return v }},
		{"absent", 0, func(v uint64) uint64 { return v &^ 1 }},
		{"read-only", 0, func(v uint64) uint64 { return v &^ 2 }},
		{"supervisor", 3, func(v uint64) uint64 { return v &^ 4 }},
	}
	rng := rand.New(rand.NewSource(11))
	for _, k := range kinds {
		var envs [2]*testEnv
		for i := range envs {
			e := newTestEnv(t, k.cpl)
			e.poke64(pte(page+0x1000), k.pte(e.read64(pte(page+0x1000))))
			envs[i] = e
		}
		base := envs[0].c.Snapshot()
		base.CR0 |= CR0WP
		for _, form := range hotIntForms {
			for _, disp := range []uint64{0, 16} {
				code := append(append(append([]byte{}, form...), 0x48, 0x87, 0xDE), form...)
				code = append(code, 0xF4)
				s := base
				for r := range s.GPR {
					s.GPR[r] = rng.Uint64()
				}
				s.GPR[RBX] = page + 0x100
				s.GPR[RSI] = page + 0x1000 - 3 - disp
				s.GPR[RCX] = 0
				s.GPR[RSP] = base.GPR[RSP]
				s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith
				data := make([]byte, 0x2000)
				rng.Read(data)
				var st [2]State
				var mem [2][]byte
				var vec [2]int
				var cr2 [2]uint64
				for i, e := range envs {
					specialiseOn = i == 0
					e.load(page, data)
					e.code(code...)
					s.RIP = tCode
					e.c.Restore(s)
					e.run(20)
					st[i], vec[i], cr2[i] = e.c.Snapshot(), e.vector(), e.c.CR2
					mem[i] = make([]byte, len(data))
					e.m.ReadPhys(page, mem[i])
				}
				if st[0].GPR != st[1].GPR || st[0].RFLAGS != st[1].RFLAGS || st[0].RIP != st[1].RIP ||
					vec[0] != vec[1] || cr2[0] != cr2[1] || string(mem[0]) != string(mem[1]) {
					t.Fatalf("%s: % x (disp %d): specialised\n GPR %x RFLAGS %#x vector %d CR2 %#x\ngeneral\n GPR %x RFLAGS %#x vector %d CR2 %#x",
						k.name, form, disp, st[0].GPR, st[0].RFLAGS, vec[0], cr2[0], st[1].GPR, st[1].RFLAGS, vec[1], cr2[1])
				}
			}
		}
	}
}

// TestIntFastPathCodeWrite: read-modify-writes into the immediate of an instruction
// later in the same block take effect when it runs (a code page's writes leave the
// TLB-hit path), with the specialised and the general handlers.
func TestIntFastPathCodeWrite(t *testing.T) {
	defer func() { specialiseOn = true }()
	for _, on := range []bool{true, false} {
		specialiseOn = on
		e := newTestEnv(t, 0)
		// lea rbx, [rip+0]; inc dword [rbx+k]; add byte [rbx+k], 2; not word [rbx+k+2]; mov eax, imm32; hlt
		code := []byte{0x48, 0x8D, 0x1D, 0, 0, 0, 0, 0xFF, 0x43, 0, 0x80, 0x43, 0, 0x02, 0x66, 0xF7, 0x53, 0,
			0xB8, 0x10, 0x20, 0x30, 0x40, 0xF4}
		k := byte(len(code) - 5 - 7) // the immediate's offset from the LEA's end
		code[9], code[12], code[17] = k, k, k+2
		e.code(code...)
		e.c.Run(4) // warm: decode the block and fill the TLB (not up to the HLT, which stays halted)
		e.code(code...)
		e.c.GPR[RAX] = 0
		e.mustHalt(20)
		if got, want := e.c.GPR[RAX], uint64(0x40302013)^0xFFFF0000; got != want {
			t.Fatalf("specialise %v: EAX %#x, want %#x", on, got, want)
		}
	}
}

// TestRmwWindowPageEnd runs read-modify-write forms of every size on memory at each
// offset of the last 16 bytes of a page (rmwStep reads and writes 8 bytes at its address
// below the last 8; the others take the handler, and the last ones cross into the next
// page), three times in one block so that the later ones hit the TLB, and compares
// registers, flags and the bytes around the page's end with the general handlers'.
func TestRmwWindowPageEnd(t *testing.T) {
	defer func() { specialiseOn = true }()
	forms := [][]byte{
		{0x00, 0x13},                   // add BYTE PTR [rbx],dl
		{0x66, 0x81, 0x03, 0x34, 0x12}, // add WORD PTR [rbx],0x1234
		{0xFF, 0x03},                   // inc DWORD PTR [rbx]
		{0x48, 0x29, 0x03},             // sub QWORD PTR [rbx],rax
		{0x80, 0x13, 0x80},             // adc BYTE PTR [rbx],0x80
		{0x66, 0xFF, 0x0B},             // dec WORD PTR [rbx]
		{0x48, 0x83, 0x33, 0xFB},       // xor QWORD PTR [rbx],0xfffffffffffffffb
		{0x19, 0x03},                   // sbb DWORD PTR [rbx],eax
		{0xF0, 0x48, 0x09, 0x13},       // lock or QWORD PTR [rbx],rdx
		{0x66, 0x21, 0x13},             // and WORD PTR [rbx],dx
		{0xF6, 0x1B},                   // neg BYTE PTR [rbx]
		{0x87, 0x03},                   // xchg DWORD PTR [rbx],eax
	}
	rng := rand.New(rand.NewSource(12))
	on, off := newTestEnv(t, 0), newTestEnv(t, 0)
	base := on.c.Snapshot()
	const end = tData + 0x1000 // the page's end
	for _, code := range forms {
		for k := uint64(0); k < 16; k++ {
			s := base
			for r := range s.GPR {
				s.GPR[r] = rng.Uint64()
			}
			s.GPR[RSP] = tKStack
			s.GPR[RBX] = end - 16 + k
			s.RFLAGS = flagRsv1 | uint64(rng.Intn(1<<12))&flagsArith
			data := make([]byte, 32)
			rng.Read(data)
			var got, want State
			var gotMem, wantMem [32]byte
			for i, e := range []*testEnv{on, off} {
				specialiseOn = i == 0
				e.load(end-16, data)
				e.code(append(append(append(append([]byte{}, code...), code...), code...), 0xF4)...)
				s.RIP = tCode
				e.c.Restore(s)
				e.mustHalt(5)
				if i == 0 {
					got = e.c.Snapshot()
					e.m.ReadPhys(end-16, gotMem[:])
				} else {
					want = e.c.Snapshot()
					e.m.ReadPhys(end-16, wantMem[:])
				}
			}
			if got.GPR != want.GPR || got.RFLAGS != want.RFLAGS || gotMem != wantMem {
				t.Fatalf("% x at page offset %#x: specialised GPR %x RFLAGS %#x memory % x\ngeneral GPR %x RFLAGS %#x memory % x",
					code, 0x1000-16+k, got.GPR, got.RFLAGS, gotMem, want.GPR, want.RFLAGS, wantMem)
			}
		}
	}
}

// TestRIPRelativeTiers runs BenchmarkRIPRelative's loop (RIP-relative loads, stores,
// read-modify-writes, SSE operands and a fused compare, lazy block steps whose address
// follows from the block's start) for a count, then a RIP-relative load from an unmapped
// page, one instruction at a time, with block dispatch and in the translating tier through
// uneven budgets, and compares the machines (the fault's frame and CR2 included).
func TestRIPRelativeTiers(t *testing.T) {
	code := []byte{0xBF, 0x40, 0x00, 0x00, 0x00} // mov edi, 64
	start := len(code)
	code = ripCode(code, ripLoop...)
	code = append(code, 0xFF, 0xCF)                                          // dec edi (the compare's flags are unused)
	code = append(code, 0x75, byte(start-(len(code)+2)))                     // jnz L
	code = ripCode(code, ripIns{[]byte{0x48, 0x8B, 0x05}, tRAM + 0x10, nil}) // mov rax, [rip+unmapped]
	code = append(code, 0xF4)
	build := func() *testEnv {
		e := newTestEnv(t, 0)
		e.code(code...)
		data := make([]byte, 64)
		for i := range data {
			data[i] = byte(i*7 + 1)
		}
		e.load(tData, data)
		return e
	}
	r := rand.New(rand.NewSource(3))
	var budgets []uint64
	for total := 0; total < 1200; {
		n := 1 + r.Intn(40)
		budgets = append(budgets, uint64(n))
		total += n
	}
	runTiers(t, code, build, budgets)
	e := build()
	e.run(2000)
	if v := e.vector(); v != 14 || e.c.CR2 != tRAM+0x10 {
		t.Fatalf("vector %d, CR2 %#x: want the #PF of the last load at %#x", v, e.c.CR2, tRAM+0x10)
	}
}
