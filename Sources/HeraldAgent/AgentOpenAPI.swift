/// The OpenAPI 3.1 document of the agent's API, served at `/openapi.json`. `docs/agent-openapi.json` holds the same
/// text, byte for byte (HeraldAgentTests keeps them equal): edit the JSON file, then paste it here between the
/// delimiters, indented by four spaces.
enum AgentOpenAPI {
    /// The document's text, ending with a newline.
    static let document = ##"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Herald TestAgent API",
        "version": "1.0.0",
        "description": "Served by `herald agent`: an orchestrator prepares a test (a contract), pushes data it learnt elsewhere, asks for the contract's named actions, reads the verdicts and cleans up. Every error is an RFC 9457 problem (`application/problem+json`), also for unknown paths and methods. When the agent was started with --token-file, every request must carry `Authorization: Bearer <token>`; without it, none needs to."
      },
      "servers": [
        {
          "url": "http://127.0.0.1:8090",
          "description": "herald agent's default address"
        }
      ],
      "security": [
        {},
        {
          "bearerAuth": []
        }
      ],
      "paths": {
        "/health": {
          "get": {
            "operationId": "health",
            "summary": "Whether the agent serves",
            "responses": {
              "200": {
                "description": "It does.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Health"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              }
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "openAPI",
            "summary": "This document",
            "responses": {
              "200": {
                "description": "The OpenAPI document of the API.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object",
                      "required": [
                        "openapi",
                        "info",
                        "paths"
                      ]
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              }
            }
          }
        },
        "/api/tests/{testId}": {
          "parameters": [
            {
              "$ref": "#/components/parameters/testId"
            }
          ],
          "put": {
            "operationId": "prepare",
            "summary": "Prepare a test",
            "description": "Loads and plans the test case, binds `data`, runs the actors' setup and opens every channel behind the readiness barrier. A failed setup or channel still answers 200, with status FAILED.",
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/PreparationDto"
                  },
                  "example": {
                    "testCase": "agent-offer",
                    "data": {
                      "externalRef": "ext-42"
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Prepared (or FAILED: see results and message).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PreparationResultDto"
                    }
                  }
                },
                "links": {
                  "update": {
                    "operationId": "update",
                    "parameters": {
                      "testId": "$request.path.testId"
                    }
                  },
                  "act": {
                    "operationId": "act",
                    "parameters": {
                      "testId": "$request.path.testId"
                    }
                  },
                  "verify": {
                    "operationId": "verify",
                    "parameters": {
                      "testId": "$request.path.testId"
                    }
                  },
                  "cleanUp": {
                    "operationId": "cleanUp",
                    "parameters": {
                      "testId": "$request.path.testId"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "409": {
                "$ref": "#/components/responses/Conflict"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              }
            },
            "callbacks": {
              "actionDecided": {
                "{$request.body#/callbackBaseUrl}/notifications": {
                  "post": {
                    "summary": "An action's expectations are all decided",
                    "description": "Sent once per act whose event expectations were still pending, when the last is decided; a trailing `/` of callbackBaseUrl is dropped. A failure to deliver is logged, not retried.",
                    "requestBody": {
                      "required": true,
                      "content": {
                        "application/json": {
                          "schema": {
                            "$ref": "#/components/schemas/ActionNotificationDto"
                          }
                        }
                      }
                    },
                    "responses": {
                      "2XX": {
                        "description": "Received."
                      }
                    }
                  }
                }
              }
            }
          },
          "delete": {
            "operationId": "cleanUp",
            "summary": "Clean a test up",
            "description": "Runs the cleanup steps, closes the test's channels and forgets it. Idempotent: an unknown testId is already clean.",
            "responses": {
              "204": {
                "description": "Clean."
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              }
            }
          }
        },
        "/api/tests/{testId}/dynamicdata": {
          "parameters": [
            {
              "$ref": "#/components/parameters/testId"
            }
          ],
          "put": {
            "operationId": "update",
            "summary": "Bind data learnt elsewhere",
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/DynamicDataDto"
                  },
                  "example": {
                    "data": {
                      "externalRef": "ext-42"
                    }
                  }
                }
              }
            },
            "responses": {
              "204": {
                "description": "Bound."
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              }
            }
          }
        },
        "/api/tests/{testId}/actions": {
          "parameters": [
            {
              "$ref": "#/components/parameters/testId"
            }
          ],
          "post": {
            "operationId": "act",
            "summary": "Perform an action",
            "description": "Runs the steps of the test case grouped under the action's name and answers once the last has performed its action; their event expectations keep being judged, and a notification follows when they are all decided.",
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/ActionDto"
                  },
                  "example": {
                    "action": "createRequest"
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Done (or FAILED: see results and message).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/ActionResultDto"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              }
            }
          }
        },
        "/api/tests/{testId}/report": {
          "parameters": [
            {
              "$ref": "#/components/parameters/testId"
            }
          ],
          "get": {
            "operationId": "verify",
            "summary": "The test's verdicts",
            "description": "Judges what is still pending and answers one result per assertion.",
            "responses": {
              "200": {
                "description": "The verdicts.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/ReportDto"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              }
            }
          }
        }
      },
      "components": {
        "parameters": {
          "testId": {
            "name": "testId",
            "in": "path",
            "required": true,
            "description": "The orchestrator's name for the test: 1 to 128 letters, digits, `-`, `_`, `.` or `~` (anything else is a 400).",
            "schema": {
              "type": "string",
              "pattern": "^[A-Za-z0-9._~-]{1,128}$"
            },
            "example": "t1"
          }
        },
        "schemas": {
          "JSONValue": {
            "description": "Any JSON value: null, a boolean, a number, a string, an array or an object."
          },
          "Data": {
            "type": "object",
            "description": "Variables by name; each value is any JSON value.",
            "additionalProperties": {
              "$ref": "#/components/schemas/JSONValue"
            }
          },
          "PreparationDto": {
            "type": "object",
            "description": "Which test case to prepare, with what. Other members are ignored.",
            "required": [
              "testCase"
            ],
            "properties": {
              "testCase": {
                "type": "string",
                "description": "A contract's `contract:` name, or its file's name without `.yaml`."
              },
              "data": {
                "description": "Values bound as variables before the setup runs (`${name}` in the contract).",
                "oneOf": [
                  {
                    "type": "null"
                  },
                  {
                    "$ref": "#/components/schemas/Data"
                  }
                ]
              },
              "callbackBaseUrl": {
                "type": [
                  "string",
                  "null"
                ],
                "description": "An http:// or https:// URL with a host (anything else is a 400); the agent POSTs its notifications to `{callbackBaseUrl}/notifications`."
              }
            },
            "additionalProperties": true
          },
          "PreparationResultDto": {
            "type": "object",
            "description": "What prepare did.",
            "required": [
              "testId",
              "testCase",
              "status",
              "data",
              "results"
            ],
            "properties": {
              "testId": {
                "type": "string"
              },
              "testCase": {
                "type": "string",
                "description": "The contract's name."
              },
              "status": {
                "type": "string",
                "enum": [
                  "PREPARED",
                  "FAILED"
                ],
                "description": "FAILED when the setup or a channel failed; the test stays, to be verified and cleaned up."
              },
              "data": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/Data"
                  }
                ],
                "description": "The contract's `outputs:` known now."
              },
              "results": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/ResultDto"
                },
                "description": "The verdicts of the preparation's steps."
              },
              "message": {
                "type": "string",
                "description": "Why the preparation could not complete."
              }
            },
            "additionalProperties": false
          },
          "DynamicDataDto": {
            "type": "object",
            "description": "Values learnt elsewhere, bound as variables. Other members are ignored.",
            "required": [
              "data"
            ],
            "properties": {
              "data": {
                "$ref": "#/components/schemas/Data"
              }
            },
            "additionalProperties": true
          },
          "ActionDto": {
            "type": "object",
            "description": "The action to perform. Other members are ignored.",
            "required": [
              "action"
            ],
            "properties": {
              "action": {
                "type": "string",
                "description": "An `action:` name of the test case's steps."
              },
              "data": {
                "description": "Values bound as variables before the action runs.",
                "oneOf": [
                  {
                    "type": "null"
                  },
                  {
                    "$ref": "#/components/schemas/Data"
                  }
                ]
              }
            },
            "additionalProperties": true
          },
          "ActionResultDto": {
            "type": "object",
            "description": "What act did, once its last step performed its action.",
            "required": [
              "testId",
              "action",
              "status",
              "data",
              "results",
              "pending"
            ],
            "properties": {
              "testId": {
                "type": "string"
              },
              "action": {
                "type": "string"
              },
              "status": {
                "type": "string",
                "enum": [
                  "DONE",
                  "FAILED"
                ],
                "description": "FAILED when a step failed or the action could not run to its end."
              },
              "data": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/Data"
                  }
                ],
                "description": "The contract's `outputs:` known now."
              },
              "results": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/ResultDto"
                },
                "description": "The verdicts decided so far."
              },
              "pending": {
                "type": "integer",
                "minimum": 0,
                "description": "Event expectations of the action still waiting; a notification to the callback URL follows once none is."
              },
              "message": {
                "type": "string",
                "description": "Why the action could not run to its end."
              }
            },
            "additionalProperties": false
          },
          "ReportDto": {
            "type": "object",
            "description": "The verdicts of the test: one result per assertion.",
            "required": [
              "testId",
              "testCase",
              "status",
              "results"
            ],
            "properties": {
              "testId": {
                "type": "string"
              },
              "testCase": {
                "type": "string"
              },
              "status": {
                "type": "string",
                "enum": [
                  "PASS",
                  "FAIL"
                ],
                "description": "PASS when every result passed (known gaps included) and nothing failed to run."
              },
              "results": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/ResultDto"
                }
              },
              "message": {
                "type": "string",
                "description": "What kept the test from running to its end."
              }
            },
            "additionalProperties": false
          },
          "ResultDto": {
            "type": "object",
            "description": "One assertion's verdict.",
            "required": [
              "name",
              "status",
              "outcome",
              "kind",
              "step",
              "message",
              "evidence"
            ],
            "properties": {
              "name": {
                "type": "string",
                "description": "The verdict's id: contract › step › kind."
              },
              "status": {
                "type": "string",
                "enum": [
                  "PASS",
                  "FAIL"
                ],
                "description": "PASS when the assertion held or is a known gap, else FAIL."
              },
              "outcome": {
                "type": "string",
                "enum": [
                  "passed",
                  "failed",
                  "known_gap",
                  "not_run"
                ],
                "description": "Herald's own outcome."
              },
              "kind": {
                "type": "string",
                "enum": [
                  "status",
                  "header",
                  "body",
                  "poll",
                  "match",
                  "sequence",
                  "count",
                  "absent",
                  "recipients",
                  "command",
                  "connection",
                  "step",
                  "cache",
                  "query"
                ],
                "description": "Which kind of assertion this is."
              },
              "step": {
                "type": "string",
                "description": "The step the assertion belongs to."
              },
              "message": {
                "type": "string",
                "description": "What was expected and what happened."
              },
              "knownGap": {
                "type": "string",
                "description": "The known defect the contract declares for this assertion, when it has one."
              },
              "location": {
                "type": "string",
                "description": "Where the assertion is written: file:line:col."
              },
              "evidence": {
                "type": "array",
                "items": {
                  "type": "string"
                },
                "description": "The evidence, one line each: role · actor · channel · time since the trigger · text."
              }
            },
            "additionalProperties": false
          },
          "ActionNotificationDto": {
            "type": "object",
            "description": "Posted once every expectation of an action is decided.",
            "required": [
              "testId",
              "action",
              "notification",
              "status",
              "passed",
              "failed",
              "results"
            ],
            "properties": {
              "testId": {
                "type": "string"
              },
              "action": {
                "type": "string"
              },
              "notification": {
                "const": "actionDecided"
              },
              "status": {
                "type": "string",
                "enum": [
                  "PASS",
                  "FAIL"
                ]
              },
              "passed": {
                "type": "integer",
                "minimum": 0
              },
              "failed": {
                "type": "integer",
                "minimum": 0,
                "description": "Failed results, plus one when the action could not run to its end."
              },
              "results": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/ResultDto"
                }
              }
            },
            "additionalProperties": false
          },
          "Health": {
            "type": "object",
            "required": [
              "status"
            ],
            "properties": {
              "status": {
                "const": "ok"
              }
            },
            "additionalProperties": false
          },
          "Problem": {
            "type": "object",
            "description": "An RFC 9457 problem.",
            "required": [
              "type",
              "title",
              "status",
              "detail"
            ],
            "properties": {
              "type": {
                "const": "about:blank"
              },
              "title": {
                "type": "string",
                "description": "The status's reason phrase."
              },
              "status": {
                "type": "integer",
                "minimum": 400,
                "maximum": 599
              },
              "detail": {
                "type": "string",
                "description": "What was wrong, with what to do."
              },
              "known": {
                "type": "array",
                "items": {
                  "type": "string"
                },
                "description": "The names the agent knows, when the request named an unknown one (test cases, actions)."
              }
            },
            "additionalProperties": false
          }
        },
        "responses": {
          "BadRequest": {
            "description": "The testId breaks its pattern, the body is not JSON or not of the operation's shape, or (act) the test case has no such action.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    }
                  ],
                  "properties": {
                    "status": {
                      "const": 400
                    },
                    "title": {
                      "const": "Bad Request"
                    }
                  }
                }
              }
            }
          },
          "Unauthorized": {
            "description": "The agent was started with --token-file and the request does not carry `Authorization: Bearer <token>`.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    }
                  ],
                  "properties": {
                    "status": {
                      "const": 401
                    },
                    "title": {
                      "const": "Unauthorized"
                    }
                  }
                }
              }
            }
          },
          "NotFound": {
            "description": "No such test (prepare it first), or (prepare) no such test case: `known` lists them.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    }
                  ],
                  "properties": {
                    "status": {
                      "const": 404
                    },
                    "title": {
                      "const": "Not Found"
                    }
                  }
                }
              }
            }
          },
          "Conflict": {
            "description": "The test is already prepared: clean it up first.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    }
                  ],
                  "properties": {
                    "status": {
                      "const": 409
                    },
                    "title": {
                      "const": "Conflict"
                    }
                  }
                }
              }
            }
          },
          "ContentTooLarge": {
            "description": "The request body is larger than 1 MiB.",
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    }
                  ],
                  "properties": {
                    "status": {
                      "const": 413
                    },
                    "title": {
                      "const": "Content Too Large"
                    }
                  }
                }
              }
            }
          }
        },
        "securitySchemes": {
          "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "The token of --token-file; required only when the agent was started with one."
          }
        }
      }
    }

    """##
}
