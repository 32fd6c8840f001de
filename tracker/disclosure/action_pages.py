"""The registry of action pages: for each workflow action its form, the service call, preparation and help text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request

from ..attachments import Upload
from ..errors import ServiceError
from . import delivery, services
from .action_forms import (
    ActionForm,
    AddCohandlerForm,
    AnswerContentForm,
    AssignHandlerForm,
    AssignSectionForm,
    ClarificationReceivedForm,
    ClarifyForm,
    ConcludeForm,
    ConsultationClosedForm,
    ConsultForm,
    DecideExtensionForm,
    DeliveryForm,
    ExplicitDeadlineForm,
    ExtensionForm,
    FeeNoticeForm,
    FeePaidForm,
    LetterDeliveryForm,
    NoteForm,
    ObjectionForm,
    OpinionForm,
    ReasonForm,
    ReassignSectionForm,
    ReviewForm,
    SplitForm,
    UpdateReviewForm,
    WithdrawForm,
    answer_choices,
    prepare_assign,
    prepare_clarify,
    prepare_cohandler,
    prepare_conclude,
    prepare_consult,
    prepare_consult_closed,
    prepare_decide,
    prepare_extension,
    prepare_fee,
    prepare_fee_paid,
    prepare_handler,
    prepare_lapse,
    prepare_objection,
    prepare_record_delivery,
    prepare_today,
    prepare_update_review,
    review_choices,
)
from .reviews import record_review, update_review

# --- the registry -----------------------------------------------------------------------------------


def _fields(form, *names: str) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in names}


ANSWER = (
    "outcome",
    "letter_kind",
    "legal_ground",
    "responsible_agency",
    "answer_summary",
    "proper_channel",
    "procedure",
    "repeat_of_id",
)
DELIVERY = ("answer_date", "delivery_method", "delivered_on", "tracking_number")
REVIEW = ("kind", "filed_on", "concluded_on", "result", "body", "prior_reconsideration", "note")


@dataclass(frozen=True)
class Page:
    form: type[ActionForm]
    run: Callable[[Any, Any, Any], services.Done]  # (user, req, form) -> Done
    prepare: Callable[[Any, Any], None] | None = None
    help: str = ""
    danger: bool = False


def _v(form) -> str | None:
    return form.version.data


def _approve(form) -> bool:
    """The leader's choice; never taken for them: a form without one is refused."""
    if form.decision.data not in ("approve", "refuse"):
        raise ServiceError("请选择审批结果：批准或不批准。", "decision")
    return form.decision.data == "approve"


def _upload(name: str) -> Upload | None:
    f = request.files.get(name)
    return Upload(f.filename, f.read(), f.mimetype) if f and f.filename else None


def _record_delivery(u, r, f):
    return delivery.record_delivery(
        u,
        r,
        version=_v(f),
        **_fields(f, "key", "delivery_method", "delivered_on", "tracking_number"),
        served_on=f.served_on.data if "served_on" in f else None,
        proof=_upload("proof"),
    )


PAGES: dict[str, Page] = {
    "assign_section": Page(
        AssignSectionForm,
        lambda u, r, f: services.assign_section(
            u, r, version=_v(f), **_fields(f, "section_id", "instruction", "internal_due")
        ),
        prepare_assign,
        "请示领导后分办至承办科室；领导批示记入办理记录。",
    ),
    "reassign_section": Page(
        ReassignSectionForm,
        lambda u, r, f: services.reassign_section(
            u, r, version=_v(f), **_fields(f, "section_id", "reason", "instruction", "internal_due")
        ),
        prepare_assign,
        "改派后原承办人取消，由新科室负责人重新指定承办人。改派原因必填。",
    ),
    "assign_handler": Page(
        AssignHandlerForm,
        lambda u, r, f: services.assign_handler(u, r, version=_v(f), handler_id=f.handler_id.data),
        prepare_handler,
        "承办人须为承办科室的工作人员。",
    ),
    "add_cohandler": Page(
        AddCohandlerForm,
        lambda u, r, f: services.add_cohandler(u, r, version=_v(f), section_id=f.section_id.data),
        prepare_cohandler,
        "协办科室可以查看本案件并提交协办意见，不能办理其他操作。",
    ),
    "submit_opinion": Page(
        OpinionForm,
        lambda u, r, f: services.submit_opinion(u, r, version=_v(f), opinion=f.opinion.data),
        None,
        "协办意见提交后承办科室可见；再次提交将替换此前的意见。",
    ),
    "submit_draft": Page(
        AnswerContentForm,
        lambda u, r, f: services.submit_draft(u, r, version=_v(f), **_fields(f, *ANSWER)),
        lambda f, r: answer_choices(f, r, r.draft),
        "提交后由政务公开办或领导审核。部分公开及各类不予公开、无法提供、不予处理须写明法律依据和理由。",
    ),
    "approve_draft": Page(
        NoteForm,
        lambda u, r, f: services.approve_draft(u, r, version=_v(f), note=f.note.data),
        None,
        "审核通过后由政务公开办发出答复并办结。",
    ),
    "return_draft": Page(
        ReasonForm,
        lambda u, r, f: services.return_draft(u, r, version=_v(f), reason=f.reason.data),
        None,
        "退回后案件回到办理中，由承办人修改后重新提交。",
        danger=True,
    ),
    "clarify": Page(
        ClarifyForm,
        lambda u, r, f: services.clarify(u, r, version=_v(f), **_fields(f, "notice_on", "items", "period_workdays")),
        prepare_clarify,
        "补正告知应在收到申请后7个工作日内一次性发出（条例第三十条），发出后暂停计算答复期限，收到补正材料后重新计算。",
    ),
    "clarification_received": Page(
        ClarificationReceivedForm,
        lambda u, r, f: services.clarification_received(u, r, version=_v(f), **_fields(f, "received_on", "note")),
        prepare_today("received_on"),
        "答复期限自收到补正材料之日起重新计算20个工作日。",
    ),
    "clarification_lapsed": Page(
        DeliveryForm,
        lambda u, r, f: services.clarification_lapsed(u, r, version=_v(f), **_fields(f, *DELIVERY)),
        prepare_lapse,
        "补正期限届满后，按“申请人无正当理由逾期不补正”办结，并告知申请人。",
        danger=True,
    ),
    "consult": Page(
        ConsultForm,
        lambda u, r, f: services.consult(
            u, r, version=_v(f), **_fields(f, "kind", "party", "sent_on", "served_on", "matter")
        ),
        prepare_consult,
        "征求意见期间不计入答复期限；第三方或其他机关应自收到征求意见书之日起15个工作日内答复"
        "（条例第三十二条、第三十四条），期限按登记的对方收到日期计算。",
    ),
    "consultation_closed": Page(
        ConsultationClosedForm,
        lambda u, r, f: services.consultation_closed(
            u, r, version=_v(f), **_fields(f, "clock_action_id", "end_reason", "ended_on", "position", "opinion")
        ),
        prepare_consult_closed,
        "收到答复或15个工作日届满后，答复期限继续计算。第三方不同意公开的，如决定公开须书面告知第三方。",
    ),
    "disclose_over_objection": Page(
        ObjectionForm,
        lambda u, r, f: services.disclose_over_objection(
            u, r, version=_v(f), **_fields(f, "clock_action_id", "decided_on", "content", "reasons")
        ),
        prepare_objection,
        "第三方不同意公开，但行政机关认为不公开可能对公共利益造成重大影响而决定公开的，应将决定公开的政府信息"
        "内容和理由书面告知第三方（条例第三十二条）。记录后可生成决定公开告知书并登记送达。",
    ),
    "split_request": Page(
        SplitForm,
        lambda u, r, f: services.split_request(u, r, version=_v(f), **_fields(f, "items", "reason")),
        None,
        "一份申请包含多项内容、彼此无关的，可以按“一事一申请”拆分：每项登记为一件新申请，收到申请之日与原申请相同，"
        "各自计算答复期限，在年度报告表三中各计一件，按件收费时各计一件（109号第四条）。",
    ),
    "fee_notice": Page(
        FeeNoticeForm,
        None,
        prepare_fee,  # two steps, see fee_notice_page
        "先核算金额，核对后再确认发出收费通知。缴费期间不计入答复期限；申请人应在收到通知后20个工作日内缴纳。",
    ),
    "fee_paid": Page(
        FeePaidForm,
        lambda u, r, f: services.fee_paid(u, r, version=_v(f), **_fields(f, "paid_on", "amount", "note")),
        prepare_fee_paid,
        "缴费后答复期限继续计算。",
    ),
    "fee_lapsed": Page(
        DeliveryForm,
        lambda u, r, f: services.fee_lapsed(u, r, version=_v(f), **_fields(f, *DELIVERY)),
        prepare_lapse,
        "缴费期限届满未缴纳的，按“申请人逾期未缴纳费用”办结，并告知申请人。",
        danger=True,
    ),
    "request_extension": Page(
        ExtensionForm,
        lambda u, r, f: services.request_extension(
            u, r, version=_v(f), **_fields(f, "workdays", "reason", "requested_on")
        ),
        prepare_extension,
        "延期须在答复期限届满前经批准，累计不超过20个工作日（条例第三十三条；2019年5月15日前收到的申请为15个工作日）。",
    ),
    "decide_extension": Page(
        DecideExtensionForm,
        lambda u, r, f: services.decide_extension(
            u,
            r,
            version=_v(f),
            clock_action_id=f.clock_action_id.data,
            approve=_approve(f),
            decided_on=f.decided_on.data,
            note=f.note.data,
        ),
        prepare_decide,
        "批准须在答复期限届满前作出；批准后请生成并送达延期答复告知书。",
    ),
    "set_explicit_deadline": Page(
        ExplicitDeadlineForm,
        lambda u, r, f: services.set_explicit_deadline(u, r, version=_v(f), **_fields(f, "due", "reason", "set_on")),
        prepare_today("set_on"),
        "申请数量、频次明显超过合理范围但理由合理、无法在期限内答复的，可以确定延迟答复的合理期限（条例第三十五条）。",
    ),
    "conclude": Page(
        ConcludeForm,
        lambda u, r, f: services.conclude(u, r, version=_v(f), **_fields(f, *ANSWER, *DELIVERY)),
        prepare_conclude,
        "办结须选择一种办理结果（年度报告表三）并记录答复日期；已送达的同时登记送达方式和日期，"
        "尚未送达的送达后在告知书中登记（以送达日期判断是否按期答复）。",
    ),
    "withdraw": Page(
        WithdrawForm,
        lambda u, r, f: services.withdraw(u, r, version=_v(f), **_fields(f, "withdrawn_on", "reason")),
        prepare_today("withdrawn_on"),
        "申请人撤回申请的，案件按“其他处理”办结，显示为已撤回。",
        danger=True,
    ),
    "reopen": Page(
        ReasonForm,
        lambda u, r, f: services.reopen(u, r, version=_v(f), reason=f.reason.data),
        None,
        "重新办理会清除办结信息（原信息保留在办理记录中），可能影响已发布的年度报告数字。",
        danger=True,
    ),
    "record_delivery": Page(
        LetterDeliveryForm,
        _record_delivery,
        prepare_record_delivery,
        "以送达日期判断是否按期答复：邮寄的为交邮日期，当面送达的为签收日期，电子邮件、网络平台为发送日期。"
        "征求意见书、收费通知书还需登记对方收到日期，对方的期限自收到之日起计算。",
    ),
    "record_review": Page(
        ReviewForm,
        lambda u, r, f: record_review(u, r, version=_v(f), **_fields(f, *REVIEW)),
        review_choices,
        "登记针对本申请的行政复议或行政诉讼（年度报告表四）。尚未审结的，结果留空。",
    ),
    "update_review": Page(
        UpdateReviewForm,
        lambda u, r, f: update_review(u, r, version=_v(f), review_id=f.review_id.data, **_fields(f, *REVIEW)),
        prepare_update_review,
        "审结后填写审结日期和结果。",
    ),
}
