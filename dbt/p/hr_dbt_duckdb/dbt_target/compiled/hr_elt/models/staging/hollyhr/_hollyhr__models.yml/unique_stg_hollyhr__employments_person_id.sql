
    
    

select
    person_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_hollyhr__employments"
where person_id is not null
group by person_id
having count(*) > 1


