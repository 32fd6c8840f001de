"""Letters of a case (告知书) as .docx, from templates the agency can edit, and their delivery.

Each letter kind has a default title and body shipped here; an agency may save its own wording
(LetterTemplate), validated before it is stored. A body is plain text with ``{{ placeholder }}``
fields (Jinja syntax, rendered in a sandbox), one paragraph per line. The frame is fixed by code so
that no edited template can lose it: the title, the case number, the body, then the agency's name
and the letter's date. Placeholders a kind may use are listed in ``FIELDS``/``SPECS``; a template
must keep the addressee, and every letter that refuses the applicant something must keep
``{{ remedies }}``, whose sentence tracker.rules.remedies decides from the outcome, the decision date
and the agency's settings (reconsideration body, court).

Every letter of a case is one `Letter` row keyed like ``answer`` or ``consultation:12``; generating it
again adds a `LetterVersion` (the .docx is an Attachment of kind "letter"), never a second letter.
How the letter reached its recipient is recorded on the same row (`record_delivery`): posted (交邮 date,
tracking number), handed over (签收 date), e-mail or online (sent date), with an optional proof. The
answer's delivery is mirrored on the request (delivered_on, delivery_method) and decides whether the
answer was on time; a consultation's or a fee notice's recipient receipt date (served_on) starts the
recipient's window.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select

from .. import audit
from ..accounts.roles import require
from ..errors import ServiceError
from ..extensions import db
from ..rules import deadlines, outcomes
from ..rules import fees as fee_rules
from ..rules import remedies as remedy_rules
from ..rules.clock import today_cn, utcnow
from ..rules.intake import format_date_cn as cn
from ..rules.text import xml_safe
from ..unit_of_work import unit_of_work
from . import workflow
from .models import ClockAction, DisclosureRequest, Letter, LetterTemplate, LetterVersion

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE_FONT = "宋体"
BODY_FONT = "仿宋_GB2312"
_R = outcomes.REGULATION

COMMON_FIELDS: dict[str, str] = {
    "agency": "本机关名称",
    "number": "案件编号",
    "applicant": "申请人姓名或名称",
    "subject": "申请内容摘要",
    "content": "申请内容",
    "received_on": "收到申请之日（如：2026年3月2日）",
    "date": "落款日期",
    "legal_basis": "法律依据",
    "contact": "本机关联系方式（按系统设置中已填写的地址、邮编、电话、电子邮箱）",
}
KIND_FIELDS: dict[str, dict[str, str]] = {
    "receipt": {"due_date": "答复期限", "verification_code": "查询码（申请人凭编号和查询码查询办理进度）"},
    "clarification": {
        "items": "需要补正的事项",
        "correction_due": "补正期限届满日",
        "correction_days": "补正期限（工作日）",
    },
    "extension": {
        "extension_days": "延长的工作日数",
        "extension_reason": "延期理由",
        "old_due": "原答复期限",
        "new_due": "延长后的答复期限",
    },
    "consultation": {
        "party": "被征求意见的第三方或机关",
        "matter": "征求意见事项",
        "window_days": "答复期限（自收到本意见书之日起的工作日数）",
    },
    "objection_notice": {
        "party": "不同意公开的第三方",
        "disclosed_content": "决定公开的政府信息内容",
        "reasons": "决定公开的理由",
        "decided_on": "作出决定的日期",
    },
    "fee": {
        "fee_amount": "应缴金额（元）",
        "fee_method": "计收方式",
        "fee_explanation": "计费明细（每项一行）",
        "fee_due": "缴费截止日",
    },
}
ANSWER_FIELDS: dict[str, str] = {
    "outcome_label": "办理结果",
    "legal_ground": "理由",
    "answer_summary": "答复要点",
    "responsible_agency_text": "负责公开的机关（非本机关信息）",
    "remedies": "救济途径（复议、诉讼，按办理结果和答复日期确定）",
    "outcome_details": "办理结果的补充告知（信访渠道、查询办法、重复申请所指的前次答复）",
    "clarification_date": "补正告知日期",
    "correction_due": "补正期限届满日",
    "fee_notice_date": "收费通知日期",
    "fee_due": "缴费截止日",
    "fee_amount": "应缴金额（元）",
}


@dataclass(frozen=True)
class Spec:
    kind: str
    label: str  # what the letter is, for lists
    title: str  # default title
    body: str  # default body
    addressee: str = "applicant"  # the placeholder the body must keep
    remedies: bool = False

    @property
    def fields(self) -> dict[str, str]:
        extra = ANSWER_FIELDS if self.kind.startswith("answer_") else KIND_FIELDS.get(self.kind, {})
        return {**COMMON_FIELDS, **extra}


_INTRO = "本机关于{{ received_on }}收到您（单位）提出的政府信息公开申请，申请获取“{{ subject }}”。"
_ANSWER_TITLE = "政府信息公开申请答复书"

SPECS: tuple[Spec, ...] = (
    Spec(
        "receipt",
        "受理回执",
        "政府信息公开申请受理回执",
        "{{ applicant }}：\n"
        "本机关于{{ received_on }}收到您（单位）提出的政府信息公开申请，申请内容为：“{{ subject }}”。\n"
        "根据{{ legal_basis }}的规定，本机关已受理该申请，将于{{ due_date }}前作出答复。"
        "如需您补正申请、征求第三方意见或者依法延长答复期限，本机关将另行书面告知。\n"
        "您可凭申请编号{{ number }}和查询码{{ verification_code }}查询办理进度。\n"
        "{{ contact }}\n"
        "特此回执。",
    ),
    Spec(
        "clarification",
        "补正告知书",
        "补正申请告知书",
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经审查，您的申请内容不明确。根据{{ legal_basis }}的规定，请您对以下内容作出补正：\n"
        "{{ items }}\n"
        "请于{{ correction_due }}前（{{ correction_days }}个工作日内）向本机关提交补正后的申请，答复期限自本机关收到补正后的申请之日起计算。"
        "无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。\n"
        "{{ contact }}\n"
        "特此告知。",
    ),
    Spec(
        "extension",
        "延期答复告知书",
        "延期答复告知书",
        "{{ applicant }}：\n" + _INTRO + "\n"
        "因{{ extension_reason }}，本机关不能在{{ old_due }}前作出答复。根据{{ legal_basis }}的规定，"
        "经本机关政府信息公开工作机构负责人同意，答复期限延长{{ extension_days }}个工作日，"
        "本机关将于{{ new_due }}前作出答复。\n"
        "{{ contact }}\n"
        "特此告知。",
    ),
    Spec(
        "consultation",
        "征求意见书",
        "政府信息公开征求意见书",
        "{{ party }}：\n"
        "本机关于{{ received_on }}收到{{ applicant }}提出的政府信息公开申请，申请获取“{{ subject }}”。"
        "该信息的公开可能涉及你方，根据{{ legal_basis }}的规定，现书面征求你方意见。\n"
        "征求意见事项：{{ matter }}\n"
        "请自收到本意见书之日起{{ window_days }}个工作日内将书面意见反馈本机关。逾期未提出意见的，由本机关依照"
        "《中华人民共和国政府信息公开条例》的规定决定是否公开。\n"
        "{{ contact }}",
        addressee="party",
    ),
    Spec(
        "objection_notice",
        "决定公开告知书（第三方）",
        "政府信息公开决定告知书",
        "{{ party }}：\n"
        "本机关于{{ received_on }}收到{{ applicant }}提出的政府信息公开申请，申请获取“{{ subject }}”。"
        "本机关曾就该信息的公开书面征求你方意见，你方不同意公开。\n"
        "经审查，本机关认为不公开可能对公共利益造成重大影响，于{{ decided_on }}决定予以公开。"
        "根据{{ legal_basis }}的规定，现将决定公开的政府信息内容和理由告知如下：\n"
        "决定公开的内容：{{ disclosed_content }}\n"
        "理由：{{ reasons }}\n"
        "{{ contact }}\n"
        "特此告知。",
        addressee="party",
    ),
    Spec(
        "fee",
        "收费通知书",
        "信息处理费收费通知书",
        "{{ applicant }}：\n" + _INTRO + "\n"
        "根据{{ legal_basis }}的规定，本机关对您的申请收取信息处理费，计收方式为{{ fee_method }}，明细如下：\n"
        "{{ fee_explanation }}\n"
        "应缴金额：{{ fee_amount }}元。请于{{ fee_due }}前缴纳。等待缴费期间不计算在答复期限内；"
        "逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。\n"
        "{{ contact }}\n"
        "特此通知。",
    ),
    Spec(
        "answer_disclose",
        "答复书（予以公开）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经审查，您申请获取的信息属于可以公开的政府信息。根据{{ legal_basis }}的规定，本机关决定予以公开。"
        "{{ answer_summary }}\n"
        "{{ contact }}\n"
        "特此告知。",
    ),
    Spec(
        "answer_already_public",
        "答复书（已主动公开）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经查，您申请获取的信息本机关已经主动公开。根据{{ legal_basis }}的规定，现告知您获取该信息的方式和途径："
        "{{ answer_summary }}\n"
        "{{ contact }}\n"
        "特此告知。",
    ),
    Spec(
        "answer_partial",
        "答复书（部分公开）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经审查，您申请获取的信息中部分内容不能公开，理由：{{ legal_ground }}。根据{{ legal_basis }}的规定，"
        "本机关对可以公开的部分予以公开，对不能公开的部分不予公开。{{ answer_summary }}\n"
        "{{ remedies }}\n"
        "{{ contact }}\n"
        "特此告知。",
        remedies=True,
    ),
    Spec(
        "answer_withhold",
        "答复书（不予公开）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经审查，您申请获取的信息不予公开（{{ outcome_label }}），理由：{{ legal_ground }}。"
        "根据{{ legal_basis }}的规定，本机关决定不予公开。\n"
        "{{ outcome_details }}\n"
        "{{ remedies }}\n"
        "{{ contact }}\n"
        "特此告知。",
        remedies=True,
    ),
    Spec(
        "answer_not_exist",
        "答复书（信息不存在）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经查，本机关未制作或者获取您申请的政府信息，该政府信息不存在（{{ legal_ground }}）。"
        "根据{{ legal_basis }}的规定，特此告知。\n"
        "{{ remedies }}\n"
        "{{ contact }}",
        remedies=True,
    ),
    Spec(
        "answer_not_ours",
        "答复书（非本机关政府信息）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经查，您申请获取的信息不属于本机关负责公开的政府信息（{{ legal_ground }}）。根据{{ legal_basis }}的规定，"
        "{{ responsible_agency_text }}。\n"
        "{{ remedies }}\n"
        "{{ contact }}\n"
        "特此告知。",
        remedies=True,
    ),
    Spec(
        "answer_cannot_provide",
        "答复书（无法提供）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经审查，本机关无法提供您申请获取的信息（{{ outcome_label }}），理由：{{ legal_ground }}。"
        "根据{{ legal_basis }}的规定，特此告知。\n"
        "{{ remedies }}\n"
        "{{ contact }}",
        remedies=True,
    ),
    Spec(
        "answer_not_processed",
        "答复书（不予处理）",
        _ANSWER_TITLE,
        "{{ applicant }}：\n" + _INTRO + "\n"
        "经审查，本机关对您的申请不予处理（{{ outcome_label }}），理由：{{ legal_ground }}。"
        "根据{{ legal_basis }}的规定，特此告知。\n"
        "{{ outcome_details }}\n"
        "{{ remedies }}\n"
        "{{ contact }}",
        remedies=True,
    ),
    Spec(
        "answer_no_correction",
        "告知书（逾期不补正）",
        "政府信息公开申请不予处理告知书",
        "{{ applicant }}：\n" + _INTRO + "\n"
        "本机关于{{ clarification_date }}向您发出补正申请告知书，请您于{{ correction_due }}前补正。"
        "截至补正期限届满，您未补正且无正当理由。根据{{ legal_basis }}的规定，视为您放弃申请，"
        "本机关不再处理该政府信息公开申请。\n"
        "{{ remedies }}\n"
        "{{ contact }}",
        remedies=True,
    ),
    Spec(
        "answer_unpaid_fee",
        "告知书（逾期未缴费）",
        "政府信息公开申请不予处理告知书",
        "{{ applicant }}：\n" + _INTRO + "\n"
        "本机关于{{ fee_notice_date }}向您发出收费通知书，请您于{{ fee_due }}前缴纳信息处理费{{ fee_amount }}元。"
        "截至缴费期限届满，您未缴纳。根据{{ legal_basis }}的规定，视为您放弃申请，"
        "本机关不再处理该政府信息公开申请。\n"
        "{{ remedies }}\n"
        "{{ contact }}",
        remedies=True,
    ),
    Spec(
        "answer_other",
        "告知书（其他处理）",
        "政府信息公开申请告知书",
        "{{ applicant }}：\n"
        + _INTRO
        + "\n经研究，对您的申请处理如下：{{ answer_summary }}\n{{ contact }}\n特此告知。",
    ),
)
_SPECS = {spec.kind: spec for spec in SPECS}
KINDS: tuple[str, ...] = tuple(_SPECS)

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

# A body is text and {{ name }} placeholders, nothing else: no {% for %}, no {% if %}, no operators,
# attributes, calls or filters. So rendering takes one pass over the body and its output is at most the
# body plus one value per placeholder — bounded in time and size whatever an editor types (a sandbox alone
# still runs ``{% for i in range(99999) %}{% for j in range(99999) %}`` for hours, or builds
# ``{{ "x" * 10**9 }}``). MAX_LETTER_CHARS is a second fence at render time, for a stored template.
_PLAIN_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name)
MAX_BODY_CHARS = 10_000
MAX_LETTER_CHARS = 200_000
PLAIN_MESSAGE = (
    "正文无法生成：模板只能包含文字和 {{ 名称 }} 形式的占位符（例如 {{ applicant }}），"
    "不能使用 {% %} 语句、运算、属性或过滤器。请删除后重新保存。"
)


def _not_plain(body: str) -> bool:
    """True when the parsed body holds anything but text and plain placeholders."""
    return any(not isinstance(node, _PLAIN_NODES) for node in _env.parse(body).find_all(nodes.Node))


def _render(body: str, context: dict) -> str:
    """The body rendered, refused (ServiceError) when it is not plain or its output is beyond the cap."""
    if _not_plain(body):
        raise ServiceError(PLAIN_MESSAGE)
    out, size = [], 0
    for chunk in _env.from_string(body).generate(**context):
        size += len(chunk)
        if size > MAX_LETTER_CHARS:
            raise ServiceError(f"告知书正文超过 {MAX_LETTER_CHARS} 个字，无法生成。请缩短模板或案件中过长的内容。")
        out.append(chunk)
    return "".join(out)


def spec(kind: str) -> Spec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise ServiceError(f"未知的告知书类型：{kind}") from None


def answer_kind(code: str, letter_kind: str) -> str:
    """The template kind of the answer letter of an outcome and its letter kind."""
    if code == outcomes.NO_CORRECTION:
        return "answer_no_correction"
    if code == outcomes.UNPAID_FEE:
        return "answer_unpaid_fee"
    return f"answer_{letter_kind}"


# --- templates ------------------------------------------------------------------------------------


def current_template(agency_id: int, kind: str) -> tuple[str, str, LetterTemplate | None]:
    """(title, body, the agency's row or None when the default applies)."""
    row = db.session.scalars(
        select(LetterTemplate).where(LetterTemplate.agency_id == agency_id, LetterTemplate.kind == kind)
    ).first()
    if row is not None:
        return row.title, row.body, row
    s = spec(kind)
    return s.title, s.body, None


def sample_context(kind: str) -> dict[str, str]:
    """Plausible values for every field of a kind, to check and preview a template."""
    values = {
        "agency": "示例区发展和改革局",
        "number": "依申〔2026〕第0001号",
        "applicant": "张三",
        "subject": "某项目的立项批复文件",
        "content": "请公开某项目的立项批复文件。",
        "received_on": "2026年3月2日",
        "date": "2026年3月10日",
        "legal_basis": f"{_R}第三十三条",
        "contact": "联系地址：示例区人民路1号；邮政编码：100000；联系电话：010-62345678",
        "due_date": "2026年3月30日",
        "verification_code": "7KQ4-M2XP",
        "items": "请写明所需信息的名称、文号或者便于查询的其他特征性描述。",
        "correction_due": "2026年3月24日",
        "correction_days": "15",
        "extension_days": "15",
        "extension_reason": "需要调取档案",
        "old_due": "2026年3月30日",
        "new_due": "2026年4月21日",
        "party": "某建设有限公司",
        "matter": "是否同意公开投标文件",
        "window_days": str(deadlines.CONSULTATION_WINDOW_WORKDAYS),
        "disclosed_content": "中标金额和工期",
        "reasons": "该项目涉及公共资金使用，不公开可能对公共利益造成重大影响",
        "decided_on": "2026年3月20日",
        "fee_amount": "1700",
        "fee_method": "按量计收",
        "fee_explanation": "第1—30页：免费\n第31—100页：70页×10元=700元",
        "fee_due": "2026年4月3日",
        "outcome_label": "属于国家秘密",
        "legal_ground": "该信息已依法确定为国家秘密",
        "answer_summary": "相关文件见附件。",
        "responsible_agency_text": "负责公开该信息的行政机关为区自然资源局，请您向该机关申请",
        "remedies": remedy_rules.sample({"reconsideration_body": "示例区人民政府", "court": "示例区人民法院"}),
        "outcome_details": "",
        "clarification_date": "2026年3月5日",
        "fee_notice_date": "2026年3月6日",
    }
    return {k: values[k] for k in spec(kind).fields}


def template_errors(kind: str, title: str, body: str) -> dict[str, str]:
    """What is wrong with an agency's template (Chinese), field -> message; empty when it may be saved."""
    s = spec(kind)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写告知书标题。"
    elif len(title) > 100:
        errors["title"] = "标题不能超过100个字。"
    body = body or ""
    if not body.strip():
        errors["body"] = "请填写正文。"
        return errors
    if len(body) > MAX_BODY_CHARS:
        errors["body"] = f"正文不能超过{MAX_BODY_CHARS}个字。"
        return errors
    try:
        if _not_plain(body):  # first: finding the placeholders compiles the body (and folds its constants)
            errors["body"] = PLAIN_MESSAGE
            return errors
        used = meta.find_undeclared_variables(_env.parse(body))
    except TemplateSyntaxError as e:
        errors["body"] = (
            f"正文第{e.lineno}行的占位符写法有误（{e.message}）。占位符应写成 {{{{ 名称 }}}}，"
            "例如 {{ applicant }}。"
        )
        return errors
    unknown = sorted(used - set(s.fields))
    if unknown:
        errors["body"] = (
            f"正文中的占位符 {'、'.join(unknown)} 不能用于“{s.label}”。可用的占位符：{'、'.join(s.fields)}。"
        )
        return errors
    missing = [f for f in ([s.addressee] + (["remedies"] if s.remedies else [])) if f not in used]
    if missing:
        what = {
            "applicant": "称呼申请人的 {{ applicant }}",
            "party": "称呼被征求意见方的 {{ party }}",
            "remedies": "告知申请复议或提起诉讼权利的 {{ remedies }}",
        }
        errors["body"] = f"正文必须保留{'、'.join(what[m] for m in missing)}。"
        return errors
    try:
        _render(body, sample_context(kind))
    except ServiceError as e:
        errors["body"] = e.message
    except (UndefinedError, Exception) as e:  # a sandbox refusal or a runtime error in an expression
        errors["body"] = f"正文无法生成（{e}），请检查占位符。"
    return errors


def save_template(actor, kind: str, title: str, body: str) -> None:
    require(actor, "letters.manage", "只有政务公开办或系统管理员可以修改告知书模板。")
    spec(kind)
    errors = template_errors(kind, title, body)
    if errors:
        from .services import Invalid

        raise Invalid(errors)
    with unit_of_work():
        _, _, row = current_template(actor.agency_id, kind)
        if row is None:
            row = LetterTemplate(agency_id=actor.agency_id, kind=kind, title=title.strip(), body=body)
            db.session.add(row)
            diff = {"title": [None, title.strip()], "body": [None, body]}
        else:
            diff = audit.changes(row, {"title": title.strip(), "body": body})
        row.updated_by_id = actor.id
        db.session.flush()
        audit.log("letter_template.saved", row, actor, {"kind": kind, **diff})


def reset_template(actor, kind: str) -> bool:
    """Go back to the shipped default; returns False when the default was already in use."""
    require(actor, "letters.manage", "只有政务公开办或系统管理员可以修改告知书模板。")
    spec(kind)
    _, _, row = current_template(actor.agency_id, kind)
    if row is None:
        return False
    with unit_of_work():
        audit.log(
            "letter_template.reset", row, actor, {"kind": kind, "title": [row.title, None], "body": [row.body, None]}
        )
        db.session.delete(row)
    return True


# --- which letters a case has, and their data -----------------------------------------------------


@dataclass(frozen=True)
class Available:
    key: str  # what the generate form posts, e.g. "consultation:12"
    label: str


def _has_answer(req: DisclosureRequest) -> bool:
    return req.status == "concluded" and bool(req.outcome) and not req.withdrawn


def available_letters(req: DisclosureRequest) -> list[Available]:
    out = [Available("receipt", "受理回执")]
    for a in req.clock_actions:
        if a.kind == "clarification":
            out.append(Available(f"clarification:{a.id}", "补正告知书"))
        elif a.kind in ("consult_third_party", "consult_agency"):
            out.append(Available(f"consultation:{a.id}", f"征求意见书（{a.party}）"))
            if (a.details or {}).get("override"):
                out.append(Available(f"objection_notice:{a.id}", f"决定公开告知书（{a.party}）"))
        elif a.kind == "fee":
            out.append(Available(f"fee:{a.id}", "收费通知书"))
        elif a.kind == "extension" and a.state == "approved":
            out.append(Available(f"extension:{a.id}", f"延期答复告知书（延期{a.workdays}个工作日）"))
    if _has_answer(req):
        kind = answer_kind(req.outcome, req.letter_kind or outcomes.outcome(req.outcome).letter_kind)
        out.append(Available("answer", spec(kind).label))
    elif req.status == "in_review" and req.draft:
        kind = answer_kind(req.draft["outcome"], req.draft["letter_kind"])
        out.append(Available("answer", f"{spec(kind).label}（送审稿）"))
    return out


def _strip_end(text: str | None) -> str:
    return (text or "").strip().rstrip("。.；;")


def _clock(req: DisclosureRequest, key: str, kind: str) -> ClockAction:
    _, _, ident = key.partition(":")
    for a in req.clock_actions:
        if str(a.id) == ident and (a.kind == kind or (kind == "consultation" and a.kind.startswith("consult_"))):
            return a
    raise ServiceError("本案件没有这份告知书所需的记录，请刷新页面后重新选择。")


def contact_text(settings: dict | None) -> str:
    """The agency's contact line from its settings: only the parts that are filled in ("" when none)."""
    settings = settings or {}
    parts = [
        (label, (settings.get(key) or "").strip())
        for key, label in (
            ("address", "联系地址"),
            ("postcode", "邮政编码"),
            ("phone", "联系电话"),
            ("email", "电子邮箱"),
        )
    ]
    return "；".join(f"{label}：{value}" for label, value in parts if value)


def _repeat_sentence(req: DisclosureRequest, repeat_of_id) -> str:
    prev = db.session.get(DisclosureRequest, repeat_of_id) if repeat_of_id else None
    if prev is None or prev.agency_id != req.agency_id:
        return ""
    when = prev.answer_date or prev.concluded_on
    return (
        f"本机关已于{cn(when)}对您提出的政府信息公开申请（{prev.number}）作出答复，"
        "您此次申请公开的是相同的政府信息，本机关不予重复处理。"
    )


def details_text(req: DisclosureRequest, code: str, details: dict | None, repeat_of_id=None) -> str:
    """The sentences an outcome's letter adds: the Art. 39 channel, the Art. 36(7) procedure, the earlier
    answer a 重复申请 repeats."""
    sentences = [
        f.sentence.format(value=_strip_end((details or {}).get(f.id)))
        for f in outcomes.detail_fields(code)
        if (details or {}).get(f.id)
    ]
    if code == outcomes.REPEAT:
        sentences.append(_repeat_sentence(req, repeat_of_id))
    return "".join(t for t in sentences if t)


def _answer_context(req: DisclosureRequest, today: date) -> tuple[str, dict, date]:
    if req.status == "in_review" and req.draft:
        d = req.draft
        code, kind, ground, agency, summary = (
            d["outcome"],
            d["letter_kind"],
            d.get("legal_ground"),
            d.get("responsible_agency"),
            d.get("answer_summary"),
        )
        details, repeat_of_id = d.get("outcome_details"), d.get("repeat_of_id")
        when = today
    else:
        code, kind, ground, agency, summary = (
            req.outcome,
            req.letter_kind or outcomes.outcome(req.outcome).letter_kind,
            req.legal_ground,
            req.responsible_agency,
            req.answer_summary,
        )
        details, repeat_of_id = req.outcome_details, req.repeat_of_id
        when = req.answer_date or req.concluded_on or today
    o = outcomes.outcome(code)
    clar = next((a for a in req.clock_actions if a.kind == "clarification"), None)
    fee = next((a for a in req.clock_actions if a.kind == "fee"), None)
    ctx = {
        "outcome_label": o.label,
        # the reason; the citation is legal_basis, never repeated from the reason (issue 18)
        "legal_ground": _strip_end(ground) or o.short_label,
        "answer_summary": (summary or "").strip(),
        "legal_basis": o.legal_basis_for(kind) or _R,
        "responsible_agency_text": (
            f"负责公开该信息的行政机关为{agency}，请您向该机关申请"
            if agency
            else "本机关无法确定负责公开该信息的行政机关"
        ),
        "remedies": remedy_rules.remedies(code, when, req.agency.settings).text,
        "outcome_details": details_text(req, code, details, repeat_of_id),
        "clarification_date": cn(clar.started_on) if clar else "",
        "correction_due": cn(clar.window_end) if clar else "",
        "fee_notice_date": cn(fee.started_on) if fee else "",
        "fee_due": cn(fee.window_end) if fee else "",
        "fee_amount": str(req.fee_amount or ""),
    }
    return answer_kind(code, kind), ctx, when


def letter_context(req: DisclosureRequest, key: str, today: date | None = None) -> tuple[str, dict, date]:
    """(template kind, placeholder values, letter date) of the letter `key` of this case."""
    today = today or today_cn()
    base = {
        "agency": req.agency.name,
        "number": req.number,
        "applicant": req.applicant_name,
        "subject": req.subject,
        "content": req.content,
        "received_on": cn(req.received_on),
        "contact": contact_text(req.agency.settings),
    }
    name, _, _ = (key or "").partition(":")  # no choice sent: "请选择" below
    if name == "receipt":
        # the deadline in force when the request was received, not today's (extended) one
        from ..workcal.service import current_calendar

        due = deadlines.initial_answer_deadline(req.received_on, current_calendar())
        from ..api import codes

        code = codes.code_of(req.status_code_hash) or ""
        ctx = {**base, "legal_basis": f"{_R}第三十一条、第三十三条", "due_date": cn(due), "verification_code": code}
        return "receipt", ctx, req.received_on
    if name == "clarification":
        a = _clock(req, key, "clarification")
        return (
            "clarification",
            {
                **base,
                "legal_basis": f"{_R}第三十条",
                "items": a.reason or "",
                "correction_due": cn(a.window_end),
                "correction_days": str(a.workdays),
            },
            a.started_on,
        )
    if name == "extension":
        a = _clock(req, key, "extension")
        if a.state != "approved":
            raise ServiceError("这项延期尚未批准，不能生成延期答复告知书。")
        details = a.details or {}
        old = date.fromisoformat(details["old_due"]) if details.get("old_due") else None
        new = date.fromisoformat(details["new_due"]) if details.get("new_due") else None
        return (
            "extension",
            {
                **base,
                "legal_basis": f"{_R}第三十三条第二款",
                "extension_days": str(a.workdays),
                "extension_reason": _strip_end(a.reason),
                "old_due": cn(old) if old else "原答复期限",
                "new_due": cn(new) if new else "延长后的答复期限",
            },
            a.decided_on or a.started_on,
        )
    if name == "consultation":
        a = _clock(req, key, "consultation")
        basis = f"{_R}第三十二条" if a.kind == "consult_third_party" else f"{_R}第三十四条"
        return (
            "consultation",
            {
                **base,
                "legal_basis": basis,
                "party": a.party or "",
                "matter": a.reason or "是否同意公开",
                "window_days": str(deadlines.CONSULTATION_WINDOW_WORKDAYS),
            },
            a.started_on,
        )
    if name == "objection_notice":
        a = _clock(req, key, "consultation")
        override = (a.details or {}).get("override")
        if not override:
            raise ServiceError("尚未记录不顾第三方异议决定公开的决定，不能生成决定公开告知书。")
        decided = date.fromisoformat(override["decided_on"])
        return (
            "objection_notice",
            {
                **base,
                "legal_basis": f"{_R}第三十二条",
                "party": a.party or "",
                "disclosed_content": _strip_end(override.get("content")),
                "reasons": _strip_end(override.get("reasons")),
                "decided_on": cn(decided),
            },
            decided,
        )
    if name == "fee":
        a = _clock(req, key, "fee")
        d = a.details or {}
        method = fee_rules.FeeMethod(d.get("method", req.fee_method)).label
        return (
            "fee",
            {
                **base,
                "legal_basis": f"{_R}第四十二条、{outcomes.FEE_MEASURES}",
                "fee_amount": str(d.get("amount", req.fee_amount)),
                "fee_method": method,
                "fee_explanation": "\n".join(d.get("explanation") or []),
                "fee_due": cn(a.window_end) if a.window_end else "收到本通知之日起20个工作日内",
            },
            a.started_on,
        )
    if name == "answer":
        if not (_has_answer(req) or (req.status == "in_review" and req.draft)):
            raise ServiceError("本案件尚未办结，也没有待审核的答复稿，不能生成答复书。")
        kind, ctx, when = _answer_context(req, today)
        return kind, {**base, **ctx}, when
    raise ServiceError("请选择要生成的告知书。")


def letter_date(req: DisclosureRequest, key: str) -> date:
    """The date the letter of `key` bears (the date of its action); deliveries cannot precede it."""
    return letter_context(req, key)[2]


def recipient_of(req: DisclosureRequest, key: str) -> str:
    name = key.partition(":")[0]
    if name in ("consultation", "objection_notice"):
        return _clock(req, key, "consultation").party or ""
    return req.applicant_name


def letter_row(req: DisclosureRequest, key: str) -> Letter | None:
    return next((row for row in req.letters if row.key == key), None)


def _letter_row_for(req: DisclosureRequest, key: str) -> Letter:
    """The case's letter of `key`, created (version 0, no text yet) if it has none."""
    row = letter_row(req, key)
    if row is not None:
        return row
    name = key.partition(":")[0]
    action = _clock(req, key, "consultation" if name == "objection_notice" else name) if ":" in key else None
    row = Letter(
        agency_id=req.agency_id,
        key=key,
        kind=name,
        clock_action=action,
        recipient=recipient_of(req, key)[:200],
        version=0,
    )
    req.letters.append(row)
    return row


@dataclass(frozen=True)
class CaseLetter:
    """A letter of the case as the case page lists it: what it is, its versions and its delivery."""

    key: str
    label: str
    row: Letter | None
    late_notice: str | None  # an extension notice delivered after the deadline it extends

    @property
    def delivered(self) -> bool:
        return self.row is not None and self.row.delivered_on is not None


def extension_notice_late(req: DisclosureRequest, row: Letter | None) -> str | None:
    """Art. 33: the extension must be notified; a notice delivered after the original deadline is flagged."""
    if row is None or row.kind != "extension" or row.delivered_on is None or row.clock_action is None:
        return None
    old = (row.clock_action.details or {}).get("old_due")
    if old and row.delivered_on > date.fromisoformat(old):
        return f"延期答复告知书于{cn(row.delivered_on)}送达，晚于原答复期限{cn(date.fromisoformat(old))}"
    return None


def case_letters(req: DisclosureRequest) -> list[CaseLetter]:
    """Every letter the case has or can have, in the order of its actions."""
    out = []
    for a in available_letters(req):
        row = letter_row(req, a.key)
        out.append(CaseLetter(a.key, a.label, row, extension_notice_late(req, row)))
    return out


# --- the document ---------------------------------------------------------------------------------


def _font(run, east_asia: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = east_asia
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)  # Word uses this one for Chinese characters


def _paragraph(
    doc,
    text: str,
    *,
    size: float = 16,
    font: str = BODY_FONT,
    bold: bool = False,
    align=None,
    indent: bool = True,
    space_after: float = 0,
):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28)  # 公文: 22 lines a page
    fmt.space_after = Pt(space_after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _font(p.add_run(xml_safe(text)), font, size, bold)  # stored text must never break the letter
    return p


def render_docx(title: str, lines: list[str], number: str, agency: str, when: date) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _paragraph(
        doc, title, size=22, font=TITLE_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=12
    )
    _paragraph(doc, number, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, space_after=12)
    for i, line in enumerate(lines):
        salutation = i == 0 and line.endswith("：")
        _paragraph(doc, line, indent=not salutation)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, agency, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, cn(when), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# The letters speak to the applicant: 您 to a person, 贵单位 to an organisation (法人或者其他组织). Templates
# (the defaults and those stored by an agency) write 您（单位） or 您; a letter to an organisation says 贵单位.
NATURAL_PERSON = "natural_person"
# placeholder values the product writes (and may address the applicant in), as opposed to quoted case data
PRODUCT_TEXTS = ("legal_basis", "responsible_agency_text", "remedies", "outcome_details")


def address_applicant(text: str, applicant_type: str | None) -> str:
    """``text`` of a letter to the applicant with the form of address for the applicant's type."""
    if applicant_type == NATURAL_PERSON:
        return text.replace("您（单位）", "您")
    return text.replace("您（单位）", "贵单位").replace("您", "贵单位")


def compose(req: DisclosureRequest, key: str, today: date | None = None) -> tuple[str, list[str], date, str]:
    """(title, body lines, date, template kind) of one letter of the case, from the agency's template."""
    kind, ctx, when = letter_context(req, key, today)
    title, body, _ = current_template(req.agency_id, kind)
    ctx["date"] = cn(when)
    if spec(kind).addressee == "applicant":
        # the template's and the product's own words speak to the applicant; what the applicant or staff
        # wrote (the request's content, the ground, the summary) is quoted as it was written
        body = address_applicant(body, req.applicant_type)
        ctx = {k: address_applicant(v, req.applicant_type) if k in PRODUCT_TEXTS else v for k, v in ctx.items()}
    text = _render(body, {k: v for k, v in ctx.items() if k in spec(kind).fields})
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # A template stored before these fields existed must not drop what the law requires the letter to say.
    for name in ("outcome_details", "remedies"):
        value = ctx.get(name) if name in spec(kind).fields else ""
        if value and not any(value in line for line in lines):
            lines.append(value)
    code = ctx.get("verification_code") if kind == "receipt" else None
    if code and not any(code in line for line in lines):  # an agency's template saved before the code existed
        lines.append(f"您可凭申请编号{req.number}和查询码{code}查询办理进度。")
    return title, lines, when, kind


def codes_needed(req: DisclosureRequest) -> bool:
    """Whether the case has no /status code yet, or one that no longer derives under today's SECRET_KEY."""
    from ..api import codes

    return codes.code_of(req.status_code_hash) is None


def generate_letter(actor, req: DisclosureRequest, key: str, *, today: date | None = None):
    """Render the letter and store it as the next version of the case's letter of `key`; returns the file.

    The file is an Attachment (kind "letter") of the case; the Letter row keeps the latest one and every
    version stays listed (LetterVersion). One event records the letter, its version and the file.
    """
    from .intake import Upload, add_attachment

    workflow.check(actor, req, "generate_letter")
    if key == "receipt" and codes_needed(req):
        from ..api import codes

        # the applicant's /status code, printed on the 受理回执; committed with the letter below
        req.status_code_hash = codes.issue()[1]
    try:
        title, lines, when, kind = compose(req, key, today)
    except BaseException:
        db.session.rollback()  # nothing of a refused letter stays in the session, the new code neither
        raise
    data = render_docx(title, lines, req.number, req.agency.name, when)
    draft = "（送审稿）" if key == "answer" and req.status == "in_review" else ""
    with unit_of_work():
        row = _letter_row_for(req, key)
        number = row.version + 1
        version_label = f"（第{number}版）" if number > 1 else ""
        filename = f"{req.number}{title}{draft}{version_label}.docx"
        att = add_attachment(actor, req, Upload(filename, data, DOCX_MIME), kind="letter", record_event=False)
        db.session.flush()
        now = utcnow()
        row.version, row.attachment_id, row.generated_at, row.generated_by_id = number, att.id, now, actor.id
        row.recipient = recipient_of(req, key)[:200]
        row.versions.append(
            LetterVersion(version=number, attachment_id=att.id, generated_at=now, generated_by_id=actor.id)
        )
        audit.log(
            "request.letter_generated",
            req,
            actor,
            {
                "letter": spec(kind).label + draft,
                "key": key,
                "version": number,
                "file": filename,
                "attachment_id": att.id,
            },
        )
        return att


def workflow_kinds() -> list[tuple[str, str]]:
    """(kind, label) of every template, for the template list page."""
    return [(s.kind, s.label) for s in SPECS]
