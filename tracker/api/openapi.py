"""The OpenAPI 3.1 document of /api/v1, built from the same vocabularies the service checks against
(applicant types, ID types, provision forms, obtain ways, states, pause reasons), so it cannot drift
from them. tests/integration/test_api_schema.py validates every response of the API tests against it."""

from __future__ import annotations

from ..disclosure import workflow
from ..rules import ids, intake
from ..rules.report_layout import APPLICANT_TYPE_IDS
from . import status as status_words

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _text(max_len: int, description: str) -> dict:
    return {"type": "string", "maxLength": max_len, "description": description}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document() -> dict:
    from ..disclosure.intake import LIMITS

    applicant = {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "name"],
        "properties": {
            "type": {"type": "string", "enum": list(APPLICANT_TYPE_IDS), "description": "申请人类型（年度报告的列）"},
            "name": _text(LIMITS["applicant_name"], "申请人姓名或名称"),
            "contact_person": _text(LIMITS["contact_person"], "联系人（法人或其他组织）"),
            "id_type": {
                "type": "string",
                "enum": list(ids.ID_TYPES),
                "description": "证件类型；省略时按申请人类型推定",
            },
            "id_number": _text(LIMITS["id_number"], "证件号码"),
            "phone": _text(LIMITS["phone"], "联系电话"),
            "address": _text(LIMITS["address"], "通讯地址"),
            "postcode": _text(LIMITS["postcode"], "邮政编码"),
            "email": _text(LIMITS["email"], "电子邮箱"),
        },
    }
    submission = {
        "type": "string",
        "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$",
        "description": "平台的申请编号（每个机关内唯一；重复提交返回同一案件）",
    }
    new_request = {
        "type": "object",
        "additionalProperties": False,
        "required": ["submission_id", "confirmed_at", "applicant", "content"],
        "properties": {
            "submission_id": submission,
            "confirmed_at": {
                "type": "string",
                "format": "date-time",
                "description": "双方确认的时间（ISO 8601，带时区）；其北京时间的日期为收到申请之日（《条例》第三十一条第（三）项）",
            },
            "applicant": {"$ref": "#/components/schemas/Applicant"},
            "content": _text(LIMITS["content"], "申请内容"),
            "subject": _text(LIMITS["subject"], "申请内容摘要；省略时取申请内容的第一行"),
            "purpose": _text(LIMITS["purpose"], "用途说明"),
            "provision_form": {
                "type": "string",
                "enum": list(intake.provision_form_ids()),
                "description": "信息提供形式",
            },
            "obtain_way": {
                "type": "string",
                "enum": list(intake.obtain_way_ids()),
                "description": "获取信息的方式（默认 online）",
            },
            "remarks": _text(LIMITS["remarks"], "备注"),
        },
    }
    receipt = {
        "type": "object",
        "additionalProperties": False,
        "required": ["number", "verification_code", "received_on", "due_on"],
        "properties": {
            "number": {"type": "string", "description": "案件编号"},
            "verification_code": {
                "type": ["string", "null"],
                "pattern": r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$",
                "description": "查询码（申请人在 /status 查询进度用）",
            },
            "received_on": DATE,
            "due_on": NULLABLE_DATE,
        },
    }
    pause = {
        "type": "object",
        "additionalProperties": False,
        "required": ["reason", "label", "from", "to"],
        "properties": {
            "reason": {"type": "string", "enum": list(status_words.PAUSE_WORDS)},
            "label": {"type": "string"},
            "from": DATE,
            "to": NULLABLE_DATE,
        },
    }
    state = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "number",
            "state",
            "state_label",
            "received_on",
            "due_on",
            "extended",
            "pauses",
            "concluded_on",
            "outcome_label",
            "answer_available",
        ],
        "properties": {
            "number": {"type": "string"},
            "state": {"type": "string", "enum": list(workflow.STATUS_LABELS)},
            "state_label": {"type": "string"},
            "received_on": DATE,
            "due_on": NULLABLE_DATE,
            "extended": {"type": "boolean", "description": "答复期限是否已依法延长"},
            "pauses": {"type": "array", "items": {"$ref": "#/components/schemas/Pause"}},
            "concluded_on": NULLABLE_DATE,
            "outcome_label": {"type": ["string", "null"]},
            "answer_available": {"type": "boolean", "description": "答复书可通过 …/answer 取回"},
        },
    }
    err = {
        "type": "object",
        "additionalProperties": False,
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string", "description": "中文说明：哪里有误、如何改正"},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "各项（JSON 路径）的错误",
            },
        },
    }
    delivered = {
        "type": "object",
        "additionalProperties": False,
        "required": ["delivered_at"],
        "properties": {
            "delivered_at": {
                "type": "string",
                "format": "date-time",
                "description": "平台向申请人展示答复书的时间（ISO 8601，带时区）",
            }
        },
    }
    delivery = {
        "type": "object",
        "additionalProperties": False,
        "required": ["number", "delivered_on", "message"],
        "properties": {"number": {"type": "string"}, "delivered_on": DATE, "message": {"type": "string"}},
    }
    common = {
        "400": _error("请求有误：JSON 无效、各项有误（fields 中逐项说明），或网址含有无法识别的字符"),
        "401": _error("缺少、无效或已吊销的令牌"),
        "429": _error("调用过于频繁（每个令牌每分钟的次数有上限）"),
    }
    sid_param = {"name": "submission_id", "in": "path", "required": True, "schema": submission}
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "政府信息公开申请 在线申请平台接口",
            "version": "1.0.0",
            "description": "在线申请平台提交申请、查询办理进度、取回答复书并回报送达。说明见 docs/api.md。",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "系统管理员创建的接口令牌"}
            },
            "schemas": {
                "Applicant": applicant,
                "NewRequest": new_request,
                "Receipt": receipt,
                "Pause": pause,
                "Status": state,
                "Error": err,
                "Delivered": delivered,
                "Delivery": delivery,
            },
        },
        "paths": {
            "/requests": {
                "post": {
                    "summary": "提交一件政府信息公开申请",
                    "operationId": "createRequest",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewRequest"}}},
                    },
                    "responses": {
                        "201": {
                            "description": "已登记",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}},
                        },
                        "200": {
                            "description": "该申请编号已登记过：同一案件",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}},
                        },
                        "413": _error("请求体过大"),
                        **common,
                    },
                }
            },
            "/requests/{submission_id}": {
                "get": {
                    "summary": "查询办理进度",
                    "operationId": "getStatus",
                    "parameters": [sid_param],
                    "responses": {
                        "200": {
                            "description": "办理进度",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}},
                        },
                        "403": _error("该申请属于其他机关"),
                        "404": _error("没有这个申请编号的申请"),
                        **common,
                    },
                }
            },
            "/requests/{submission_id}/answer": {
                "get": {
                    "summary": "取回答复书（.docx）",
                    "operationId": "getAnswer",
                    "parameters": [sid_param],
                    "responses": {
                        "200": {
                            "description": "答复书",
                            "content": {docx: {"schema": {"type": "string", "contentMediaType": docx}}},
                        },
                        "403": _error("该申请属于其他机关"),
                        "404": _error("没有这个申请编号的申请"),
                        "409": _error("尚未办结或答复书尚未生成"),
                        **common,
                    },
                }
            },
            "/requests/{submission_id}/delivered": {
                "post": {
                    "summary": "回报答复书已向申请人展示（登记送达）",
                    "operationId": "recordDelivery",
                    "parameters": [sid_param],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Delivered"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "已登记送达",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Delivery"}}},
                        },
                        "403": _error("该申请属于其他机关"),
                        "404": _error("没有这个申请编号的申请"),
                        "409": _error("尚未办结或答复书尚未生成"),
                        "413": _error("请求体过大"),
                        **common,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "本文档",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 文档",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
    }
