/**
 * Every text a user reads comes from the message files (src/locales/<area>.ts), in both
 * languages: a key missing in one language fails, and so does text written straight into a
 * template (a text node, or a static label/placeholder/title...) or a Chinese literal in code.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LOCALES, messages, type MessageTree } from '@/i18n'

const SRC = resolve(__dirname, '..', 'src')
const CJK = /[\u3400-\u9fff]/
/** Attributes whose static value a user reads. */
const TEXT_ATTRIBUTES = /\s(label|placeholder|title|description|empty-text|aria-label|alt|content|confirm-button-text|cancel-button-text|active-text|inactive-text|start-placeholder|end-placeholder|range-separator)="([^"]*)"/g


function flatten(tree: MessageTree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [inner, text] of flatten(value, path)) out.set(inner, text)
  }
  return out
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

/** What a file says to users without going through a message key. */
export function literalTexts(source: string, file: string): string[] {
  const found: string[] = []
  const scripts = file.endsWith('.vue')
    ? [...source.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1])
    : [source]
  for (const script of scripts) {
    for (const line of stripComments(script).split('\n')) if (CJK.test(line)) found.push(line.trim())
  }
  if (!file.endsWith('.vue')) return found
  const start = source.indexOf('<template>')
  const end = source.lastIndexOf('</template>')
  if (start < 0 || end < 0) return found
  const template = source.slice(start + '<template>'.length, end).replace(/<!--[\s\S]*?-->/g, '')
  // Chinese anywhere in a template, bound expressions included (`:title="`提交 ${n}`"`).
  for (const match of template.matchAll(/\{\{[\s\S]*?\}\}|="[^"]*"/g)) if (CJK.test(match[0])) found.push(match[0])
  for (const match of template.matchAll(TEXT_ATTRIBUTES)) {
    if (/[A-Za-z]/.test(match[2]) || CJK.test(match[2])) found.push(`${match[1]}="${match[2]}"`)
  }
  const text = template.replace(/\{\{[\s\S]*?\}\}/g, ' ').replace(/<[^>]*>/g, '\n')
  for (const node of text.split('\n')) {
    const words = node.trim()
    if (/[A-Za-z]{2,}/.test(words) || CJK.test(words)) found.push(words)
  }
  return found
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'locales' ? [] : sourceFiles(path)
    return /\.(vue|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

describe('messages', () => {
  it('has every key in both languages, none empty', () => {
    const [zh, en] = LOCALES.map((locale) => flatten(messages[locale]))
    expect([...zh.keys()].filter((key) => !en.has(key)), 'missing in en').toEqual([])
    expect([...en.keys()].filter((key) => !zh.has(key)), 'missing in zh-CN').toEqual([])
    expect([...zh, ...en].filter(([, text]) => !text.trim()).map(([key]) => key), 'empty').toEqual([])
  })

  it('finds text written outside the message files', () => {
    const vue = '<script setup lang="ts">\nconst a = \'提交\' // 说明\n</script>\n<template>\n  <el-button :title="t(\'x\')">确认 OK</el-button>\n  <el-input placeholder="Phone" />\n  <p>{{ t(\'ok\') }} ¥</p>\n</template>\n'
    expect(literalTexts(vue, 'x.vue')).toEqual(["const a = '提交'", 'placeholder="Phone"', '确认 OK'])
    const bound = '<template><i :aria-label="`通知 ${n}`" /></template>'
    expect(literalTexts(bound, 'y.vue')).toEqual(['="`通知 ${n}`"'])
    expect(literalTexts('/** 中文注释 */\nexport const x = 1\n', 'x.ts')).toEqual([])
  })

  it('leaves no text in views, components and code outside the message files', () => {
    const offenders: Record<string, string[]> = {}
    for (const path of sourceFiles(SRC)) {
      const file = relative(SRC, path)
      const found = literalTexts(readFileSync(path, 'utf8'), file)
      if (found.length) offenders[file] = found.slice(0, 5)
    }
    expect(sourceFiles(SRC).length).toBeGreaterThan(30)
    expect(offenders).toEqual({})
  })
})
