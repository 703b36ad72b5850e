{#-
  One row per employee of every vendor built: the union of the vendors' conformed
  `<vendor>__hr_employees` models. `person_key` ('<provider>:<vendor id>') is stable across loads;
  statuses, employment types and dates use one vocabulary. Columns only some vendors have (custom
  fields `custom_fields__<key>`, generated from a loaded schema) follow the shared ones, NULL elsewhere.
-#}
{{ config(enabled=(hr_vendors_providing('hr_employees') | length > 0)) }}

with unioned as (
    {{ union_vendors('hr_employees') }}
)

select
    *,
    employment_status in ('active', 'on_leave', 'notice_period') as is_employed
from unioned
