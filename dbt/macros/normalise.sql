{#- One vocabulary across vendors. Each macro maps the canonical values and common spellings; a
    vendor's own words come from its conformed model as `vendor_values` ({'ended': 'terminated'}),
    so the mapping of a vendor lives in its staging folder. A value no rule knows passes through
    lower-cased, so the accepted_values tests on the marts flag it instead of hiding it. -#}

{% macro hr_tenant() -%}
  cast({% if var('tenant', '') %}'{{ var('tenant') }}'{% else %}null{% endif %} as {{ hr_text() }})
{%- endmacro %}

{% macro hr_vendor_values(cleaned, vendor_values) -%}
  {#- `when` branches for a vendor's own values, checked before the common ones -#}
  {%- for value, canonical in vendor_values.items() %}
    when {{ cleaned }} = '{{ value }}' then '{{ canonical }}'
  {%- endfor -%}
{%- endmacro %}

{% macro hr_employment_status(status, vendor_values={}) -%}
  {%- set s = "lower(trim(" ~ status ~ "))" -%}
  case
    {{- hr_vendor_values(s, vendor_values) }}
    when {{ s }} in ('active', 'employed') then 'active'
    when {{ s }} in ('on_leave', 'on leave', 'leave') then 'on_leave'
    when {{ s }} in ('notice_period', 'notice', 'leaving') then 'notice_period'
    when {{ s }} in ('terminated', 'inactive', 'former') then 'terminated'
    else {{ s }}
  end
{%- endmacro %}

{% macro hr_employment_type(employment_type, vendor_values={}) -%}
  {%- set t = "replace(replace(lower(trim(" ~ employment_type ~ ")), '-', '_'), ' ', '_')" -%}
  case
    when {{ employment_type }} is null then 'unknown'
    {{- hr_vendor_values(t, vendor_values) }}
    when {{ t }} in ('full_time', 'fulltime', 'permanent') then 'full_time'
    when {{ t }} in ('part_time', 'parttime') then 'part_time'
    when {{ t }} in ('contractor', 'contract', 'freelance', 'freelancer') then 'contractor'
    when {{ t }} in ('intern', 'internship', 'trainee', 'apprentice') then 'intern'
    when {{ t }} in ('temporary', 'temp', 'fixed_term', 'seasonal') then 'temporary'
    else {{ t }}
  end
{%- endmacro %}

{% macro hr_leave_type(leave_type, vendor_values={}) -%}
  {%- set t = "replace(replace(lower(trim(" ~ leave_type ~ ")), '-', '_'), ' ', '_')" -%}
  case
    {{- hr_vendor_values(t, vendor_values) }}
    when {{ t }} in ('annual', 'vacation', 'holiday', 'pto', 'paid_time_off', 'annual_leave') then 'annual'
    when {{ t }} in ('sick', 'sickness', 'sick_leave', 'illness') then 'sick'
    when {{ t }} in ('parental', 'maternity', 'paternity', 'parental_leave') then 'parental'
    when {{ t }} in ('unpaid', 'unpaid_leave') then 'unpaid'
    when {{ t }} in ('bereavement', 'compassionate') then 'bereavement'
    else 'other'
  end
{%- endmacro %}

{% macro hr_time_off_status(status, vendor_values={}) -%}
  {%- set s = "lower(trim(" ~ status ~ "))" -%}
  case
    {{- hr_vendor_values(s, vendor_values) }}
    when {{ s }} in ('pending', 'submitted', 'open') then 'pending'
    when {{ s }} in ('approved', 'accepted', 'taken') then 'approved'
    when {{ s }} in ('rejected', 'denied') then 'rejected'
    when {{ s }} in ('cancelled', 'canceled', 'withdrawn') then 'cancelled'
    else {{ s }}
  end
{%- endmacro %}
