"""Problem texts in Chinese and English, chosen by ``Accept-Language``.

Every problem body is built in English (``title`` by status, ``detail`` by the raising code,
naming values and fields). Unless the client prefers English (``Accept-Language: en``, ranked by
q-value against ``zh``, ``zh-CN``, ``zh-Hans`` ...; a request naming neither gets Chinese, the
platform's first language), ``problems.problem_response`` swaps in the Chinese title of
the status and the Chinese text of the ``code`` from the catalogues below; ``code``, ``errors``
and every other member stay as they are, so clients keep deciding on ``code``. A new error code
gets its Chinese text here (a test finds every code raised in the source and requires one).

The language is read once per request by ``LanguageMiddleware`` (outermost, so the rate limit's
and the body limit's answers are localised too) into a context variable.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

ENGLISH, CHINESE = "en", "zh"
language_var: ContextVar[str] = ContextVar("finplat_language", default=CHINESE)

TITLES_ZH = {
    400: "请求有误", 401: "未登录或登录已失效", 403: "无权操作", 404: "未找到",
    405: "不支持的请求方法",
    409: "与当前状态冲突", 413: "请求体过大", 415: "不支持的内容类型", 422: "输入无效",
    429: "请求过于频繁", 500: "服务器内部错误", 503: "服务暂不可用",
}

DETAILS_ZH = {
    # core and HTTP
    "validation.invalid": "输入无效，请按字段提示修改后重试",
    "http.bad_request": "请求有误",
    "http.not_found": "请求的地址不存在",
    "http.method_not_allowed": "该地址不支持此请求方法",
    "http.conflict": "请求与当前状态冲突",
    "http.payload_too_large": "请求体超过允许的大小",
    "http.unsupported_media_type": "请求的内容类型不受支持，请发送 JSON",
    "http.rate_limited": "请求过于频繁，请稍后再试",
    "http.error": "请求失败",
    "internal.error": "服务器内部错误，已记录，请稍后再试",
    "service.unavailable": "数据库连接中断，请使用相同的幂等键重试",
    "ops.database_unreachable": "数据库暂时无法访问",
    "idempotency.key_required": "此请求需要 1 至 64 个可打印字符的 Idempotency-Key 请求头",
    "idempotency.key_reused": "该幂等键已用于内容不同的请求",
    "idempotency.in_progress": "使用该幂等键的请求仍在处理中，请稍后再试",
    # authentication
    "auth.unauthenticated": "需要有效的登录凭证",
    "auth.forbidden": "您的角色无权执行此操作",
    "auth.invalid_credentials": "账号或密码错误",
    "auth.account_locked": "登录失败次数过多，账号已暂时锁定",
    "auth.account_disabled": "账号已停用",
    "auth.token_expired": "登录凭证已过期，请重新登录",
    "auth.invalid_refresh_token": "刷新令牌无效或已过期，请重新登录",
    "auth.refresh_token_reused": "刷新令牌已被使用，出于安全考虑所有会话已结束，请重新登录",
    "auth.totp_required": "员工账号登录需要动态验证码",
    "auth.totp_invalid": "动态验证码错误",
    "auth.totp_not_enrolled": "该账号尚未绑定动态验证码",
    # identity
    "identity.user_not_found": "用户不存在",
    "identity.login_required": "请提供手机号或电子邮箱（二选一）",
    "identity.login_taken": "该手机号或邮箱已被注册",
    "identity.weak_password": "密码强度不足",
    "identity.wrong_password": "当前密码错误",
    "identity.password_changed_meanwhile": "密码已在其他地方修改，请重新登录",
    "identity.code_invalid": "验证码错误或已过期",
    "identity.code_sent_recently": "验证码刚刚已发送，请一分钟后再试",
    "identity.consent_required": "请阅读并同意用户服务协议和隐私政策",
    "identity.agreement_outdated": "协议已更新，请阅读并同意最新版本",
    "identity.agreement_not_found": "协议或该版本不存在",
    "identity.contact_unconfirmed": "联系方式尚未验证",
    "identity.kyc_required": "请先完成实名认证",
    "identity.kyc_already_verified": "该账号已完成实名认证，身份信息不可更改",
    "identity.kyc_mismatch": "实名信息核验未通过",
    "identity.invalid_real_name": (
        "姓名须为 2 至 40 个文字，只能包含文字、姓名间的间隔号（·）和拉丁字母单词间的空格"
    ),
    "identity.invalid_id_number": "身份证号码无效（格式、校验码或出生日期有误）",
    "identity.under_age": "未达到开户的最低年龄",
    "identity.id_number_taken": "该身份证号码已在其他账号完成认证",
    "identity.invalid_bank_card": "银行卡号无效",
    "identity.bank_card_not_found": "银行卡不存在",
    "identity.provider_unavailable": "身份核验服务暂时无法使用，请稍后再试",
    "identity.invalid_uscc": "统一社会信用代码无效",
    "identity.institution_exists": "该统一社会信用代码的机构已存在",
    "identity.institution_not_found": "机构不存在",
    "identity.unknown_role": "角色不存在",
    "identity.unknown_risk_level": "风险等级不存在",
    "identity.self_demotion": "不能移除自己的管理员角色",
    "identity.self_freeze": "不能冻结自己的账号",
    "identity.not_staff": "只有员工账号使用动态验证码",
    "identity.oauth_provider_unknown": "不支持该第三方登录方式",
    "identity.oauth_state_invalid": "第三方登录已过期或无效，请重新发起",
    "identity.oauth_provider_error": "第三方登录服务暂时无法使用",
    "identity.oauth_already_linked": "该第三方账号已绑定其他用户",
    # ledger
    "ledger.insufficient_funds": "可用余额不足",
    "ledger.account_frozen": "账户已冻结，资金不能变动",
    "ledger.account_closed": "账户已注销",
    "ledger.account_not_found": "账户不存在",
    "ledger.account_not_freezable": "平台汇总账户不能冻结或注销",
    "ledger.account_not_empty": "账户仍有余额或冻结资金，不能注销",
    "ledger.hold_not_found": "冻结记录不存在",
    "ledger.hold_not_open": "该冻结已结束",
    "ledger.duplicate_source": "该业务已记账",
    "ledger.entry_not_found": "记账凭证不存在",
    "ledger.already_reversed": "该凭证已冲正",
    "ledger.not_reversible": "该凭证不能冲正",
    "ledger.invalid_postings": "记账分录无效",
    "ledger.unbalanced": "借贷不平衡",
    # payment
    "payment.amount_out_of_range": "金额超出允许范围",
    "payment.bank_card_required": "请先完成实名认证并绑定本人银行卡",
    "notification.not_found": "消息不存在",
    "lending.invalid_principal": "借款本金超出允许范围",
    "lending.invalid_term": "借款期限超出允许范围",
    "lending.invalid_rate": "年利率超出允许范围",
    "lending.invalid_method": "不支持的还款方式",
    "lending.invalid_fee": "服务费无效",
    "lending.invalid_date": "日期无效",
    "lending.invalid_amount": "金额无效",
    "lending.lpr_unknown": "该日期没有生效的贷款市场报价利率（LPR）",
    "lending.apr_cap": "综合年化利率超过法定上限（一年期 LPR 的 4 倍）",
    "lending.product_not_found": "借款产品不存在",
    "lending.product_invalid_state": "借款产品当前状态不允许此操作",
    "lending.self_review": "不能审核本人或本机构提交的申请或产品",
    "lending.institution_required": "仅已关联机构的认证用户可执行此操作",
    "lending.company_required": "企业借款须由其机构的用户（统一社会信用代码）申请",
    "lending.product_unavailable": "该借款产品暂不受理申请",
    "lending.borrower_kind_not_offered": "该借款产品不面向此类借款人",
    "lending.amount_out_of_range": "借款金额不在产品允许的范围内",
    "lending.term_not_offered": "该借款产品不提供此期限",
    "lending.method_not_offered": "该借款产品不提供此还款方式",
    "lending.grade_refused": "信用评级为 E，暂不符合借款条件",
    "lending.limit_exceeded": "借款金额超过您的信用额度",
    "lending.cap_exceeded": "借款后在本平台的借款余额将超过上限（个人 20 万元，企业 100 万元）",
    "lending.application_not_found": "借款申请不存在",
    "lending.application_invalid_state": "借款申请当前状态不允许审核",
    "lending.application_not_withdrawable": "借款申请已审核或已上架，不能撤回",
    "lending.disbursement_not_held": "该借款的放款不在风控审核中",
    "lending.loan_not_found": "借款标的不存在",
    "lending.own_loan": "借款人不能出借给自己的借款",
    "lending.listing_closed": "该借款标的已停止募集",
    "lending.oversubscribed": "出借金额超过剩余可投金额",
    "lending.bid_below_minimum": "出借金额低于起投金额",
    "lending.bid_step": "出借金额须为起投金额加递增金额的整数倍",
    "lending.wallet_required": "请先完成实名认证以开立资金账户",
    "lending.not_fully_funded": "借款尚未满标，不能放款",
    "lending.borrower_wallet_missing": "借款人尚未开立资金账户",
    "lending.agreement_not_found": "借款协议不存在",
    "lending.loan_not_repaying": "该借款当前不在还款中",
    "lending.nothing_due": "该借款目前没有应还金额；如需提前还清请使用提前还款",
    "lending.repayment_exceeds_due": "还款金额超过当前应还金额；如需提前还清请使用提前还款",
    "lending.quote_changed": "提前还款金额已变化，请重新获取报价",
    "lending.wallet_missing": "借款人尚未开立资金账户",
    "lending.write_off_refused": "只有逾期超过 60 天（M3+）的在贷借款可以核销",
    "lending.concurrent_change": "借款正在被其他操作修改，请重试",
    "payment.fee_exceeds_amount": "手续费超过提现金额",
    "payment.channel_not_found": "支付渠道不存在",
    "payment.channel_timeout": "支付渠道未及时响应，请稍后再试",
    "payment.callback_malformed": "渠道通知格式有误",
    "payment.callback_signature_invalid": "渠道通知签名无效",
    "payment.callback_stale": "渠道通知的时间戳已过期",
    "payment.report_not_found": "对账报告不存在",
    "payment.statement_malformed": "渠道对账单格式有误",
    "payment.export_too_large": "导出的记录过多，请缩短时间范围",
    "events.delivery_not_found": "投递记录不存在",
    "events.delivery_not_failed": "只有失败的投递可以重试",
    "system.job_not_found": "定时任务不存在",
    "system.job_not_failed": "只有失败的定时任务可以重试",
    # product
    "product.not_found": "产品不存在",
    "product.invalid_terms": "产品要素无效",
    "product.invalid_state": "产品当前状态不允许此操作",
    "product.self_review": "不能审核自己提交的产品",
    "product.institution_required": "只有机构用户可以发布产品",
    "product.raise_window_over": "募集期已结束",
    # investment
    "investment.assessment_required": "请先完成风险承受能力评估",
    "investment.questionnaire_unknown": "问卷版本不存在",
    "investment.questionnaire_outdated": "问卷已更新，请重新作答",
    "investment.invalid_answers": "问卷答案无效",
    "investment.suitability_mismatch": "产品风险等级高于您的风险承受能力",
    "investment.qualification_required": "该产品仅面向合格投资者",
    "investment.disclosure_outdated": "风险揭示书已更新，请阅读最新版本后再确认",
    "investment.warning_outdated": "风险不匹配警示已更新，请重新确认",
    "investment.not_on_sale": "产品不在募集期",
    "investment.raise_ended": "募集已结束",
    "investment.raise_not_ended": "募集尚未结束",
    "investment.below_minimum": "投资金额低于起投金额",
    "investment.invalid_step": "投资金额不符合递增金额要求",
    "investment.quota_exceeded": "剩余额度不足",
    "investment.investor_limit_exceeded": "超过单人投资上限",
    "investment.order_not_found": "订单不存在",
    "investment.order_not_cancellable": "订单当前状态不能撤销",
    "investment.wallet_required": "请先完成实名认证以开立资金账户",
    "investment.accrual_incomplete": "计息尚未完成",
    # marketing
    "marketing.invalid_amount": "金额无效",
    "marketing.campaign_not_open": "活动未开始或已结束",
    "marketing.campaign_closed": "活动已关闭",
    "marketing.budget_exhausted": "活动预算已用完",
    "marketing.already_claimed": "您已领取过",
    "marketing.coupon_not_available": "优惠券不可用",
    "marketing.coupon_expired": "优惠券已过期",
    "marketing.coupon_already_used": "优惠券已使用",
    "marketing.coupon_already_paid": "优惠券已发放",
    "marketing.coupon_not_settled": "优惠券尚未结算",
    "marketing.coupon_below_threshold": "订单金额未达到优惠券使用门槛",
    "marketing.order_has_coupon": "该订单已使用优惠券",
    "marketing.insufficient_points": "积分不足",
    "marketing.points_reference_used": "该积分记录已存在",
    "marketing.wallet_missing": "请先完成实名认证以开立资金账户",
    "payment.withdrawal_not_found": "提现订单不存在",
    "payment.withdrawal_not_held": "该提现不在待审核状态",
    "risk.rule_not_found": "风控规则不存在",
    "risk.rule_parameters_invalid": "规则参数不正确",
    "risk.snooze_in_past": "暂停截止时间必须晚于当前时间",
    "risk.watchlist_invalid": "名单文件格式不正确",
    "risk.alert_not_found": "预警不存在",
    "risk.alert_not_open": "预警已在案件中或已关闭",
    "risk.alerts_of_several_customers": "一个案件只能包含同一客户的预警",
    "risk.case_not_found": "案件不存在",
    "risk.case_state": "案件当前状态不允许此操作",
    "risk.reason_required": "请填写判定为误报的理由",
    "risk.review_not_found": "审核记录不存在",
    "risk.review_decided": "该笔交易已审核完毕",
    "risk.report_not_found": "报告不存在",
}


def negotiate(accept_language: str | None, *, default: str = CHINESE) -> str:
    """``zh`` or ``en``, whichever the client ranks higher; ``default`` (Chinese) when it names
    neither."""
    best, best_q = default, 0.0
    for part in (accept_language or "")[:512].split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in (ENGLISH, CHINESE) and q > best_q:
            best, best_q = language, q
    return best


def content_language(accept_language: str | None) -> str:
    """The language of a text written for the user (questionnaire, agreements): what the client
    ranks higher of ``zh`` and ``en``, Chinese when it names neither."""
    return negotiate(accept_language, default=CHINESE)


def localise(body: dict[str, Any]) -> dict[str, Any]:
    """The problem body in the request's language (English bodies are returned as they are)."""
    if language_var.get() != CHINESE:
        return body
    status, code = body.get("status"), body.get("code")
    title = TITLES_ZH.get(status, "请求失败") if isinstance(status, int) else "请求失败"
    detail = DETAILS_ZH.get(code) if isinstance(code, str) else None
    if detail is None:
        detail = f"{title}：{body.get('detail', '')}"
    return {**body, "title": title, "detail": detail}


class LanguageMiddleware:
    """Reads ``Accept-Language`` once per request into ``language_var``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = next((value.decode("latin-1") for name, value in scope.get("headers", ())
                           if name == b"accept-language"), None)
            language_var.set(negotiate(header))
        await self.app(scope, receive, send)
